"""``manage.py sync-schedules``: make django-q2's schedules those of koschei_site/schedules.py."""

from __future__ import annotations

from typing import Any

from koschei_site.commands import KoscheiCommand
from koschei_site.schedules import sync_schedules


class Command(KoscheiCommand):
    """Create, change or delete the ``koschei:`` schedules; idempotent (run at start-up)."""

    help = "Sync the periodic tasks (polling, repo check, build resolver) into django-q2."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sync_schedules()
        for verb, names in (("created", result.created), ("changed", result.changed)):
            for name in names:
                self.stdout.write(f"{verb}: {name}")
        for name in result.deleted:
            self.stdout.write(f"deleted: {name}")
        self.done(str(result))
