"""``manage.py sync-builds [--task TASK_ID]``: update running builds from Koji now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from builds.commands import koji_sessions
from builds.services.build_sync import sync_builds
from koschei_site.commands import KoscheiCommand


class Command(KoscheiCommand):
    """Poll every running build (or one Koji task's) once and print what happened to them."""

    help = (
        "Update running builds from their Koji tasks (finish, cancel, drop vanished ones) and "
        "print polled=N and a count per outcome."
    )
    atomic = False  # Koji is read between the per-build transactions

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--task", type=int, metavar="TASK_ID", help="only this Koji task")

    def handle(self, *args: Any, **options: Any) -> None:
        figures = sync_builds(sessions=koji_sessions(self), task_id=options["task"])
        self.done(str(figures))
