"""``manage.py koschei-config [--json]``: the effective configuration, secrets masked."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from koschei_site.config_report import effective_configuration


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


class Command(BaseCommand):
    """Print the merged KOSCHEI configuration, the Django settings it maps to, unused keys."""

    help = (
        "Print the effective configuration (defaults, config files and environment merged; "
        "secrets masked), the Django settings derived from it, and the ignored keys."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON document")

    def handle(self, *args: Any, **options: Any) -> None:
        report = effective_configuration()
        if options["json"]:
            self.stdout.write(_dump(report))
            return
        self.stdout.write("# KOSCHEI (effective, secrets masked)")
        self.stdout.write(_dump(report["koschei"]))
        self.stdout.write("\n# Django settings")
        for key, value in report["django"].items():
            self.stdout.write(f"{key} = {value if isinstance(value, str) else _dump(value)}")
        self.stdout.write("\n# Unused keys (accepted, without effect here)")
        for key in report["unused_keys"]:
            self.stdout.write(key)
        if not report["unused_keys"]:
            self.stdout.write("(none)")
