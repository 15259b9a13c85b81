"""``manage.py refresh-packages [COLLECTION]``: sync package lists with Koji."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from builds.koji import KojiSessions
from builds.services.package_list import refresh_packages
from koschei_site.commands import KoscheiCommand
from packages.models import Collection
from packages.services import get_collection


class Command(KoscheiCommand):
    """Add new packages and block or unblock packages as Koji's dest tag lists them."""

    help = "Refresh the package list of one collection (default: all) from Koji."
    atomic = False  # the service reads Koji outside its own transaction

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("collection", nargs="?", help="collection name (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["collection"]
        collections = [get_collection(name)] if name else list(Collection.objects.all())
        sessions = KojiSessions.from_settings()
        for collection in collections:
            changes = refresh_packages(collection=collection, sessions=sessions)
            self.done(f"{collection.name}: {changes}")
