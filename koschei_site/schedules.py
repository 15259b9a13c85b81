"""The periodic work of the service, as django-q2 schedules defined here and synced by
``manage.py sync-schedules`` (run at start-up, idempotent).

Polling is the safety net (spec 2.1.1): messages and the tasks' own follow-ups make
changes flow in seconds.  django-q2 schedules run at most once a minute, so upstream's
few-second intervals become one minute.  Intervals come from ``KOSCHEI["services"]``; an
operator's changed interval takes effect at the next sync.  Tasks are named by their
dotted path, so this base layer imports no app.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

PREFIX = "koschei: "  # names of the schedules this module owns; others are left alone


@dataclass(frozen=True)
class Periodic:
    """One schedule: a task by dotted path, run every ``services.<service>.interval``."""

    name: str
    func: str
    service: str
    kwargs: str = ""  # django-q2's keyword arguments text, e.g. "decisions=10"

    def minutes(self, services: Mapping[str, Any]) -> int:
        """The interval in whole minutes (at least one: django-q2's finest schedule)."""
        seconds = float(services[self.service]["interval"])
        return max(1, math.ceil(seconds / 60))


SCHEDULES = (
    Periodic("polling: running builds", "builds.tasks.poll_builds", "polling"),
    Periodic("polling: package lists", "builds.tasks.refresh_packages", "polling"),
    Periodic("polling: real builds", "builds.tasks.refresh_real_builds", "polling"),
    Periodic("polling: statistics", "builds.tasks.refresh_stats", "polling"),
    # upstream decides every few seconds: a run per minute makes up to ten decisions
    Periodic("scheduler", "builds.tasks.schedule_builds", "scheduler", "decisions=10"),
    Periodic("repo check", "resolution.tasks.check_new_repos", "repo_resolver"),
    # secondary mode: the primary repo to build in follows the resolved secondary repo
    Periodic("repo mappings", "builds.tasks.refresh_repo_mappings", "repo_resolver"),
    Periodic("build resolver", "resolution.tasks.resolve_builds", "build_resolver"),
)


@dataclass
class SyncResult:
    """Names of the schedules a sync created, changed, deleted or left as they were."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"schedules: {len(self.created)} created, {len(self.changed)} changed, "
            f"{len(self.deleted)} deleted, {len(self.unchanged)} unchanged"
        )


@transaction.atomic
def sync_schedules(schedules: tuple[Periodic, ...] = SCHEDULES) -> SyncResult:
    """Make the django-q2 schedules named ``koschei: *`` exactly ``schedules``.

    A new schedule runs at once; a changed interval counts from now; schedules of ours
    no longer defined are deleted.  Raises ImportError for a task that does not exist.
    """
    services = settings.KOSCHEI["services"]
    result = SyncResult()
    ours = Schedule.objects.select_for_update().filter(name__startswith=PREFIX)
    existing = {schedule.name: schedule for schedule in ours}
    for periodic in schedules:
        import_string(periodic.func)  # a typo must fail the sync, not every run
        name = PREFIX + periodic.name
        wanted = {
            "func": periodic.func,
            "schedule_type": Schedule.MINUTES,
            "minutes": periodic.minutes(services),
            "repeats": -1,
            "kwargs": periodic.kwargs or None,
        }
        current = existing.pop(name, None)
        if current is None:
            Schedule.objects.create(name=name, next_run=timezone.now(), **wanted)
            result.created.append(name)
        elif any(getattr(current, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(current, key, value)
            current.next_run = timezone.now() + timedelta(minutes=wanted["minutes"])
            current.save()
            result.changed.append(name)
        else:
            result.unchanged.append(name)
    for name, stale in existing.items():
        stale.delete()
        result.deleted.append(name)
    return result
