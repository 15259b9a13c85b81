"""``manage.py fork-collection MASTER NEW_NAME -d DISPLAY -t TARGET``: see resolution.services."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from builds.koji import KojiSessions
from koschei_site.commands import KoscheiCommand
from resolution.services import fork_collection


class Command(KoscheiCommand):
    """Fork a collection (e.g. for a side tag) from the master's last complete builds."""

    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("master", help="existing collection")
        parser.add_argument("new_name", help="name of the new collection")
        parser.add_argument("-d", "--display-name", required=True)
        parser.add_argument("-t", "--target", required=True, help="Koji build target")
        parser.add_argument("--dest-tag", help="default: the target's build tag")

    def handle(self, *args: Any, **options: Any) -> None:
        collection = fork_collection(
            master_name=options["master"],
            new_name=options["new_name"],
            display_name=options["display_name"],
            target=options["target"],
            dest_tag=options["dest_tag"],
            sessions=KojiSessions.from_settings(),
            user=self.operator,
            environment=self.environment,
        )
        self.done(f"Collection {collection.name} created by fork of {options['master']}")
