"""``manage.py fork-collection MASTER NEW_NAME -d DISPLAY -t TARGET``: e.g. a side tag."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from builds.commands import add_target_options, koji_sessions, read_dest_tag
from builds.services.branching import fork_collection
from builds.services.collections import read_target
from koschei_site.commands import KoscheiCommand
from packages.services import get_collection
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Fork a collection (e.g. for a side tag) from the master's last complete builds."""

    help = "Fork a collection (e.g. for a side tag) from the master's last complete builds."
    atomic = False  # Koji is read first, then one transaction writes

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("master", help="existing collection")
        parser.add_argument("new_name", help="name of the new collection")
        add_target_options(parser, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        master = get_collection(options["master"])
        sessions = koji_sessions(self)
        target = read_target(
            sessions=sessions,
            name=options["target"],
            secondary_mode=master.secondary_mode,
        )
        dest_tag = read_dest_tag(options, sessions=sessions, secondary_mode=master.secondary_mode)
        with transaction.atomic():
            collection = fork_collection(
                master=master,
                new_name=options["new_name"],
                display_name=options["display_name"],
                target=target,
                dest_tag=dest_tag,
                user=self.operator,
                environment=LogEnvironment.ADMIN,
            )
        self.done(f"Collection {collection.name} created by fork of {options['master']}")
