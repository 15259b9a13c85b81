"""``manage.py set-notice CONTENT``: the notice shown on every page."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import set_notice
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Set (or replace) the global notice shown at the top of every page."""

    help = "Set the global notice shown on every page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("content", help="notice text (HTML is escaped)")

    def handle(self, *args: Any, **options: Any) -> None:
        notice = set_notice(
            content=options["content"], user=self.operator, environment=LogEnvironment.ADMIN
        )
        self.done(f"Admin notice added: {notice.content}")
