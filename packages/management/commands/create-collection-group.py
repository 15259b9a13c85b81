"""``manage.py create-collection-group NAME -d DISPLAY [-c COLL...]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import create_collection_group
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Create a collection group, a set of collections shown together."""

    help = "Create a collection group with its member collections."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="machine name of the group")
        parser.add_argument("-d", "--display-name", required=True, help="name shown to people")
        parser.add_argument(
            "-c", "--collections", nargs="*", default=[], metavar="COLL", help="member collections"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        group = create_collection_group(
            name=options["name"],
            display_name=options["display_name"],
            collections=options["collections"],
            user=self.operator,
            environment=LogEnvironment.ADMIN,
        )
        members = ", ".join(c.name for c in group.collections.order_by("name")) or "none"
        self.done(f"Collection group {group.name} created with collections: {members}")
