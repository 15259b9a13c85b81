"""``manage.py delete-collection NAME [-f]``: delete a collection and all its data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import delete_collection, get_collection
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Delete a collection with its packages and builds; refuses non-empty ones unless -f."""

    help = "Delete a collection and everything in it (needs --force when it has packages)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="collection name")
        parser.add_argument(
            "-f", "--force", action="store_true", help="delete even when it has packages"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        collection = get_collection(options["name"])
        delete_collection(
            collection=collection,
            force=options["force"],
            user=self.operator,
            environment=LogEnvironment.ADMIN,
        )
        self.done(f"Collection {collection.name} deleted")
