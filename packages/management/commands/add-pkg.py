"""``manage.py add-pkg NAMES... -c COLL``: start tracking packages of a collection."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import get_collection, track_packages
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Track the named packages of one collection; all must exist or nothing changes."""

    help = "Start tracking packages of a collection (all names must exist in it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="+", metavar="NAME", help="package names")
        parser.add_argument("-c", "--collection", required=True, help="collection name, e.g. f42")

    def handle(self, *args: Any, **options: Any) -> None:
        collection = get_collection(options["collection"])
        names = list(dict.fromkeys(options["names"]))
        with self.progress(total=len(names), desc="add-pkg", unit="pkg") as progress:
            changed = track_packages(
                collection=collection,
                names=names,
                user=self.operator,
                environment=LogEnvironment.ADMIN,
                progress=progress,
            )
        self.done(
            f"Tracked {len(changed)} packages in {collection.name} "
            f"({len(names) - len(changed)} already tracked)"
        )
