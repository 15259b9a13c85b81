"""``manage.py cleanup [--older-than N]``: delete history older than N months."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.states import LogEnvironment
from resolution.services.cleanup import DEFAULT_MONTHS, MIN_MONTHS, delete_old_history


class Command(KoscheiCommand):
    """Delete old builds and resolution changes, keeping what the current states rely on."""

    help = (
        "Delete builds started and resolution changes recorded more than N months ago "
        "(each package's last builds and newest resolution change are kept)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=DEFAULT_MONTHS,
            metavar="N",
            help=f"age in months (default {DEFAULT_MONTHS}, minimum {MIN_MONTHS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with self.progress(total=None, desc="cleanup", unit="row") as bar:
            result = delete_old_history(
                months=options["older_than"],
                user=self.operator,
                environment=LogEnvironment.ADMIN,
                progress=bar,
                announce_total=bar.set_total if bar else None,
            )
        self.done(f"Cleanup: Deleted {result.builds} builds")
        self.done(f"Cleanup: Deleted {result.resolution_changes} resolution changes")
