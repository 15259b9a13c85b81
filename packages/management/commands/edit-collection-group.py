"""``manage.py edit-collection-group NAME [-d DISPLAY] [-c COLL...]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import edit_collection_group, get_collection_group
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Change a collection group's display name and/or replace its member collections."""

    help = "Change a collection group's display name; -c replaces its member collections."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="machine name of the group")
        parser.add_argument("-d", "--display-name", help="new name shown to people")
        parser.add_argument(
            "-c",
            "--collections",
            nargs="*",
            metavar="COLL",
            help="the new member collections (replaces them; none empties the group)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["display_name"] is None and options["collections"] is None:
            raise CommandError("Nothing to change: give -d/--display-name or -c/--collections")
        group = edit_collection_group(
            group=get_collection_group(options["name"]),
            display_name=options["display_name"],
            collections=options["collections"],
            user=self.operator,
            environment=LogEnvironment.ADMIN,
        )
        members = ", ".join(c.name for c in group.collections.order_by("name")) or "none"
        self.done(f"Collection group {group.name} ({group.display_name}): {members}")
