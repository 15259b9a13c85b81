"""``manage.py delete-group GROUP``: remove a package group (an addition to upstream)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import delete_group, get_group
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Delete a package group with its memberships and maintainers; packages stay."""

    help = "Delete a package group (ns/name or global name); its packages stay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("group", help="group name: ns/name, or name for a global group")

    def handle(self, *args: Any, **options: Any) -> None:
        group = get_group(options["group"])
        name = group.full_name
        delete_group(group=group, user=self.operator, environment=LogEnvironment.ADMIN)
        self.done(f"Group {name} deleted")
