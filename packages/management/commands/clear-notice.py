"""``manage.py clear-notice``: remove the global notice."""

from __future__ import annotations

from typing import Any

from koschei_site.commands import KoscheiCommand
from packages.services import clear_notice
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Remove the global notice shown on every page."""

    help = "Remove the global notice."

    def handle(self, *args: Any, **options: Any) -> None:
        existed = clear_notice(user=self.operator, environment=LogEnvironment.ADMIN)
        self.done("Admin notice cleared" if existed else "Admin notice cleared (there was none)")
