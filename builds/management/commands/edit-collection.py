"""``manage.py edit-collection NAME [--new-name] [options]``: change a collection."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from builds.commands import (
    add_settings_options,
    add_target_options,
    koji_sessions,
    read_dest_tag,
    secondary_mode_from,
    settings_from,
)
from builds.services.collections import edit_collection, read_new_target
from koschei_site.commands import KoscheiCommand
from packages.services import get_collection
from packages.states import LogEnvironment


class Command(KoscheiCommand):
    """Change a collection's settings; a new target or mode re-reads tags from Koji."""

    help = "Change a collection (only the given options change)."
    atomic = False  # Koji is read first, then one transaction writes

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="current machine name")
        parser.add_argument("--new-name", help="rename the collection")
        add_target_options(parser, required=False)
        add_settings_options(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        given = ("new_name", "target", "dest_tag", "mode")
        if not settings_from(options) and all(options.get(key) is None for key in given):
            raise CommandError("Nothing to change: give at least one option")
        collection = get_collection(options["name"])
        sessions = koji_sessions(self)
        mode = secondary_mode_from(options)
        target = read_new_target(
            collection=collection, sessions=sessions, name=options["target"], secondary_mode=mode
        )
        dest_tag = read_dest_tag(
            options,
            sessions=sessions,
            secondary_mode=collection.secondary_mode if mode is None else mode,
        )
        with transaction.atomic():
            changed = edit_collection(
                collection=collection,
                user=self.operator,
                environment=LogEnvironment.ADMIN,
                new_name=options["new_name"],
                target=target,
                dest_tag=dest_tag,
                **settings_from(options),
            )
        self.done(
            f"Collection {collection.name}: {', '.join(changed) if changed else 'nothing'} changed"
        )
