"""``manage.py refresh-packages [COLLECTION]``: sync package lists with Koji."""

from __future__ import annotations

from builds.commands import CollectionsCommand
from builds.services.package_list import refresh_packages
from packages.models import Collection


class Command(CollectionsCommand):
    """Add new packages and block or unblock packages as Koji's dest tag lists them."""

    help = "Refresh the package list of one collection (default: all) from Koji."

    def run_for(self, collection: Collection) -> object:
        return refresh_packages(collection=collection, sessions=self.sessions)
