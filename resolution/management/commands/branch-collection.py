"""``manage.py branch-collection MASTER NEW_NAME -d DISPLAY -t TARGET``: see resolution.services."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from builds.koji import KojiSessions
from koschei_site.commands import KoscheiCommand
from resolution.services import branch_collection


class Command(KoscheiCommand):
    """Branch a collection: the master moves on under NEW_NAME, a copy keeps its name."""

    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("master", help="existing collection")
        parser.add_argument("new_name", help="new name of the master")
        parser.add_argument("-d", "--display-name", required=True)
        parser.add_argument("-t", "--target", required=True, help="Koji build target")
        parser.add_argument("--dest-tag", help="default: the target's build tag")
        parser.add_argument("--bugzilla-version", help="of the branched collection")

    def handle(self, *args: Any, **options: Any) -> None:
        collection = branch_collection(
            master_name=options["master"],
            new_name=options["new_name"],
            display_name=options["display_name"],
            target=options["target"],
            dest_tag=options["dest_tag"],
            sessions=KojiSessions.from_settings(),
            user=self.operator,
            environment=self.environment,
            bugzilla_version=options["bugzilla_version"],
        )
        self.done(f"Collection {collection.name} created by branch of {options['master']}")
