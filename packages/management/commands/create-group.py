"""``manage.py create-group NAME [--content-from-file F|-] [--append]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import create_group
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Create an empty package group, or one filled from a file of package names."""

    help = "Create a package group (ns/name or global name), optionally with its content."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="group name: ns/name, or name for a global group")
        parser.add_argument(
            "--content-from-file",
            metavar="FILE",
            help="whitespace-separated package names; - reads stdin",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="accepted for upstream compatibility (a new group has nothing to keep)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["content_from_file"]
        content = self.read_names(source) if source is not None else None
        with self.progress(total=len(content or ()), desc="create-group", unit="pkg") as bar:
            group = create_group(
                full_name=options["name"],
                content=content,
                user=self.operator,
                environment=LogEnvironment.ADMIN,
                progress=bar,
            )
        self.done(f"Group {group.full_name} created with {group.members.count()} packages")
