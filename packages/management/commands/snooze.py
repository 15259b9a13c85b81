"""``manage.py snooze NAMES... (--until DATE | --clear) (-c COLLECTION | --group)``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from koschei_site.commands import KoscheiCommand
from packages.services import (
    find_packages,
    get_collection,
    get_group,
    parse_until,
    snooze_group,
    snooze_packages,
)
from packages.services.snooze import format_time
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Snooze packages of a collection, or package groups, until a date, or wake them."""

    help = (
        "Keep the scheduler from building packages of a collection (or, with --group, the "
        "packages of groups' members in every collection) until a date; --clear wakes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="+", metavar="NAME", help="package or group names")
        when = parser.add_mutually_exclusive_group(required=True)
        when.add_argument(
            "--until", metavar="DATE", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC), in the future"
        )
        when.add_argument("--clear", action="store_true", help="end the snooze now")
        parser.add_argument("-c", "--collection", help="collection of the packages")
        parser.add_argument(
            "--group", action="store_true", help="NAMES are groups (ns/name or name)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        until = None if options["clear"] else parse_until(options["until"])
        if options["group"]:
            if options["collection"]:
                raise CommandError("--group snoozes a group in every collection: drop -c")
            groups = [get_group(name) for name in dict.fromkeys(options["names"])]
            changed = [
                g.full_name
                for g in groups
                if snooze_group(
                    group=g, until=until, user=self.operator, environment=LogEnvironment.ADMIN
                )
            ]
            what = f"{len(changed)} of {len(groups)} groups"
        else:
            if not options["collection"]:
                raise CommandError("Name the packages' collection with -c (or use --group)")
            collection = get_collection(options["collection"])
            packages = find_packages(
                collection=collection, names=options["names"], error="Packages not found"
            )
            changed = snooze_packages(
                packages=packages, until=until, user=self.operator, environment=LogEnvironment.ADMIN
            )
            what = f"{len(changed)} of {len(packages)} packages in {collection.name}"
        state = f"Snoozed until {format_time(until)}:" if until else "Snooze cleared on"
        self.done(f"{state} {what}")
