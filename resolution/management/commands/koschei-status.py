"""``manage.py koschei-status``: is the service keeping up?  Non-zero exit when unhealthy."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from koschei_site.commands import KoscheiCommand
from resolution.services.health import ago, service_health


class Command(KoscheiCommand):
    """Print the health figures, one line each, then the verdict (exit 1 when unhealthy)."""

    help = (
        "Show each collection's last resolved repo, running builds, every schedule's last "
        "success, the task queue and recent task failures; exit 1 when anything is stale."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        health = service_health(now=now)
        for c in health.collections:
            resolved = ago(now, c.resolved_at)
            self.stdout.write(
                f"collection {c.name}: repo {c.latest_repo_id or '-'} resolved {resolved}, "
                f"{c.running_builds} running builds"
            )
        for s in health.schedules:
            self.stdout.write(
                f"schedule {s.name}: every {s.minutes} min, last success {ago(now, s.last_success)}"
            )
        self.stdout.write(
            f"queue: {health.queued} waiting; {health.failures_last_day} failed in the last day"
        )
        for problem in health.problems:
            self.stderr.write(f"problem: {problem}")
        if not health.healthy:
            raise CommandError(f"unhealthy: {len(health.problems)} problems")
        self.done("healthy")
