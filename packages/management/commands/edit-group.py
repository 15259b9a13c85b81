"""``manage.py edit-group CURRENT [--new-name] [--new-namespace] [--make-global] ...``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import edit_group, get_group
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Rename a package group, move it between namespaces, and/or set its content."""

    help = "Rename a package group, change its namespace, and/or replace or extend its content."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("current", help="current group name: ns/name or name")
        parser.add_argument("--new-name", help="new name (without namespace)")
        parser.add_argument("--new-namespace", help="new namespace")
        parser.add_argument(
            "--make-global", action="store_true", help="move the group out of its namespace"
        )
        parser.add_argument(
            "--content-from-file",
            metavar="FILE",
            help="whitespace-separated package names replacing the content; - reads stdin",
        )
        parser.add_argument(
            "--append", action="store_true", help="add the file's packages, keep the others"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["content_from_file"]
        if options["append"] and source is None:
            raise CommandError("--append needs --content-from-file")
        wanted = (options["new_name"], options["new_namespace"], options["make_global"], source)
        if not any(wanted):
            raise CommandError(
                "Nothing to change: give --new-name, --new-namespace, --make-global "
                "or --content-from-file"
            )
        group = get_group(options["current"])
        content = self.read_names(source) if source is not None else None
        with self.progress(total=len(content or ()), desc="edit-group", unit="pkg") as bar:
            group = edit_group(
                group=group,
                new_name=options["new_name"],
                new_namespace=options["new_namespace"],
                make_global=options["make_global"],
                content=content,
                append=options["append"],
                user=self.operator,
                environment=LogEnvironment.ADMIN,
                progress=bar,
            )
        self.done(f"Group {group.full_name} now has {group.members.count()} packages")
