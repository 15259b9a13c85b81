"""``manage.py schedule-builds [--dry-run] [--count N]``: run the scheduler's decisions now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from builds.commands import koji_sessions
from builds.services.scheduler import Outcome, schedule_build
from koschei_site.commands import KoscheiCommand


class Command(KoscheiCommand):
    """Make scheduling decisions like the periodic task, one summary line per decision."""

    help = (
        "Submit the highest-priority schedulable packages over the build threshold, one "
        "decision at a time, until a decision submits nothing or --count is reached."
    )
    atomic = False  # never hold a transaction while Koji is called

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="tell what the next decision would submit; write nothing, submit nothing",
        )
        parser.add_argument(
            "--count", type=int, default=1, help="at most this many decisions (default 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if count < 1:
            raise CommandError(f"--count must be at least 1, not {count}")
        sessions = koji_sessions(self)
        for _ in range(1 if options["dry_run"] else count):
            decision = schedule_build(sessions=sessions, dry_run=options["dry_run"])
            for skip in decision.skipped:
                self.stderr.write(f"skipped {skip.package}: {skip.reason}")
            self.done(decision.summary())
            if decision.outcome is not Outcome.SUBMITTED:
                break
