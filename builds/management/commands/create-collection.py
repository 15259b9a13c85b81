"""``manage.py create-collection NAME -d DISPLAY -t TARGET ...``: a collection from Koji."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from builds.commands import (
    add_settings_options,
    add_target_options,
    koji_sessions,
    read_dest_tag,
    secondary_mode_from,
    settings_from,
)
from builds.services.collections import create_collection, read_target
from koschei_site.commands import KoscheiCommand
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Create a collection; its build tag comes from Koji's target."""

    help = "Create a collection for a Koji build target."
    atomic = False  # Koji is read first, then one transaction writes

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="machine name, e.g. f42")
        add_target_options(parser, required=True)
        add_settings_options(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        sessions = koji_sessions(self)
        mode = bool(secondary_mode_from(options))
        target = read_target(sessions=sessions, name=options["target"], secondary_mode=mode)
        dest_tag = read_dest_tag(options, sessions=sessions, secondary_mode=mode)
        with transaction.atomic():
            collection = create_collection(
                name=options["name"],
                target=target,
                dest_tag=dest_tag,
                user=self.operator,
                environment=LogEnvironment.ADMIN,
                **settings_from(options),
            )
        self.done(
            f"Collection {collection.name} created (build tag {collection.build_tag}, "
            f"dest tag {collection.dest_tag})"
        )
