"""``manage.py track-group GROUP``: upstream's koschei-track-group script (spec 2.1.10)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import get_group, track_group
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Track every package of a group's members, in every collection."""

    help = "Track every package of a group's members in all collections."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("group", help="group name: ns/name, or name for a global group")

    def handle(self, *args: Any, **options: Any) -> None:
        group = get_group(options["group"])
        with self.progress(total=None, desc="track-group", unit="pkg") as progress:
            changed = track_group(
                group=group, user=self.operator, environment=LogEnvironment.ADMIN, progress=progress
            )
        self.done(f"Tracked {len(changed)} packages of group {group.full_name}")
