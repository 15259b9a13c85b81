"""``manage.py branch-collection MASTER NEW_NAME -d DISPLAY -t TARGET``: freeze a branch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from builds.commands import add_target_options, koji_sessions, read_dest_tag
from builds.services.branching import branch_collection
from builds.services.collections import read_target
from koschei_site.commands import KoscheiCommand
from packages.services import get_collection
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Branch a collection: the master moves on under NEW_NAME, a copy keeps its name."""

    help = "Branch a collection: the master moves to a new target, a copy keeps its name."
    atomic = False  # Koji is read first, then one transaction writes

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("master", help="existing collection")
        parser.add_argument("new_name", help="new name of the master")
        add_target_options(parser, required=True)
        parser.add_argument("--bugzilla-version", help="of the branched collection")

    def handle(self, *args: Any, **options: Any) -> None:
        master = get_collection(options["master"])
        sessions = koji_sessions(self)
        new_target, old_target = (
            read_target(sessions=sessions, name=name, secondary_mode=master.secondary_mode)
            for name in (options["target"], master.target)
        )
        dest_tag = read_dest_tag(options, sessions=sessions, secondary_mode=master.secondary_mode)
        with transaction.atomic():
            collection = branch_collection(
                master=master,
                new_name=options["new_name"],
                display_name=options["display_name"],
                new_target=new_target,
                old_target=old_target,
                dest_tag=dest_tag,
                bugzilla_version=options["bugzilla_version"],
                user=self.operator,
                environment=LogEnvironment.ADMIN,
            )
        self.done(f"Collection {collection.name} created by branch of {options['master']}")
