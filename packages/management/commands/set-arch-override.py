"""``manage.py set-arch-override NAME ARCH_OVERRIDE -c COLLECTION [--group]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from koschei_site.commands import KoscheiCommand
from packages.models import Package
from packages.services import (
    find_group_packages,
    find_packages,
    get_collection,
    get_group,
    set_arch_override,
)
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Set the arch override of a package, or of every package of a group, in a collection."""

    help = (
        "Set the arch override (space-separated arches, ^ARCH excludes; empty clears) of a "
        "package in a collection, or with --group of every package of that group."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="package name, or with --group a group ns/name")
        parser.add_argument(
            "arch_override", metavar="ARCH_OVERRIDE", help='e.g. "x86_64 i386" or "^armhfp"'
        )
        parser.add_argument("-c", "--collection", required=True, help="collection name")
        parser.add_argument(
            "--group", action="store_true", help="NAME is a group: set all its packages"
        )

    def _packages(self, name: str, collection_name: str, group: bool) -> list[Package]:
        collection = get_collection(collection_name)
        if not group:
            return find_packages(collection=collection, names=[name], error="Package not found")
        packages = find_group_packages(group=get_group(name), collection=collection)
        if not packages:
            raise CommandError(f"Group {name} has no packages in collection {collection.name}")
        return packages

    def handle(self, *args: Any, **options: Any) -> None:
        packages = self._packages(options["name"], options["collection"], options["group"])
        changed = set_arch_override(
            packages=packages,
            value=options["arch_override"],
            user=self.operator,
            environment=LogEnvironment.ADMIN,
        )
        # Unchanged packages already hold the (normalised) value.
        value = (changed or packages)[0].arch_override or "(none)"
        self.done(f"Arch override {value} set on {len(changed)} of {len(packages)} packages")
