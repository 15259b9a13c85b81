"""``manage.py delete-collection-group NAME``: remove a collection group."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import delete_collection_group, get_collection_group
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Delete a collection group; its collections stay."""

    help = "Delete a collection group (its collections stay)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="machine name of the group")

    def handle(self, *args: Any, **options: Any) -> None:
        group = get_collection_group(options["name"])
        delete_collection_group(group=group, user=self.operator, environment=LogEnvironment.ADMIN)
        self.done(f"Collection group {options['name']} deleted")
