"""``manage.py refresh-builds [COLLECTION]``: register real builds from Koji."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from builds.koji import KojiSessions
from builds.services.real_builds import refresh_latest_builds
from koschei_site.commands import KoscheiCommand
from packages.models import Collection
from packages.services import get_collection


class Command(KoscheiCommand):
    """Register new real builds of the dest tag and detect untagged or retagged ones."""

    help = "Register new real builds of one collection (default: all) from Koji."
    atomic = False  # Koji is read between the service's own transactions

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("collection", nargs="?", help="collection name (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["collection"]
        collections = [get_collection(name)] if name else list(Collection.objects.all())
        sessions = KojiSessions.from_settings()
        for collection in collections:
            changes = refresh_latest_builds(collection=collection, sessions=sessions)
            self.done(f"{collection.name}: {changes}")
