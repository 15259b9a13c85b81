"""``manage.py set-priority NAMES... VALUE --collection C [--static]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import get_collection, set_priority
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Set the manual (or static) priority of packages; all must exist or nothing changes."""

    help = (
        "Set the manual priority of packages (reset by their next build), "
        "or with --static the permanent static priority."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="+", metavar="NAME", help="package names")
        parser.add_argument("value", type=int, metavar="VALUE", help="priority (an integer)")
        parser.add_argument("-c", "--collection", required=True, help="collection name")
        parser.add_argument(
            "--static", action="store_true", help="set static_priority, never reset"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        collection = get_collection(options["collection"])
        changed = set_priority(
            collection=collection,
            names=options["names"],
            value=options["value"],
            static=options["static"],
            user=self.operator,
            environment=LogEnvironment.ADMIN,
        )
        kind = "static" if options["static"] else "manual"
        self.done(
            f"Set {kind} priority {options['value']} on {len(changed)} packages "
            f"in {collection.name}"
        )
