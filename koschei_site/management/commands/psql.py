"""``manage.py psql [ARGS...]``: upstream's psql command, through Django's dbshell."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    """Open psql on Koschei's database with its credentials, passing ARGS to psql."""

    help = "Run psql on Koschei's database; every argument is passed to psql (e.g. -c 'SQL')."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="*", metavar="ARGS", help="arguments for psql")

    def run_from_argv(self, argv: list[str]) -> None:
        # Everything after the command name belongs to psql (its -c, -h, -v would
        # otherwise be taken for Django's options); "--" makes argparse keep them.
        rest = argv[2:]
        if rest[:1] != ["--"] and rest not in (["--help"], ["-h"]):
            rest = ["--", *rest]
        super().run_from_argv([*argv[:2], *rest])

    def handle(self, *args: str, **options: Any) -> None:
        call_command("dbshell", "--", *args)
