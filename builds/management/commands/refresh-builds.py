"""``manage.py refresh-builds [COLLECTION]``: register real builds from Koji."""

from __future__ import annotations

from builds.commands import CollectionsCommand
from builds.services.real_builds import refresh_latest_builds
from packages.models import Collection


class Command(CollectionsCommand):
    """Register new real builds of the dest tag and detect untagged or retagged ones."""

    help = "Register new real builds of one collection (default: all) from Koji."

    def run_for(self, collection: Collection) -> object:
        return refresh_latest_builds(collection=collection, sessions=self.sessions)
