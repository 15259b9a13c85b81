"""``manage.py add-group GROUP [PKGS...] [-m MAINT...]``: a group with content and owners."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import create_group
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Create a package group with its packages and maintainers (upstream's was broken)."""

    help = "Create a package group (ns/name or global name) with packages and maintainers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("group", help="group name: ns/name, or name for a global group")
        parser.add_argument("packages", nargs="*", metavar="PKG", help="package names")
        parser.add_argument(
            "-m",
            "--maintainer",
            dest="maintainers",
            nargs="+",
            default=[],
            metavar="MAINT",
            help="user names of the maintainers",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        packages = options["packages"]
        with self.progress(total=len(packages), desc="add-group", unit="pkg") as progress:
            group = create_group(
                full_name=options["group"],
                content=packages or None,
                maintainers=options["maintainers"],
                user=self.operator,
                environment=LogEnvironment.ADMIN,
                progress=progress,
            )
        self.done(
            f"Group {group.full_name} created with {group.members.count()} packages "
            f"and {group.maintainers.count()} maintainers"
        )
