"""``manage.py edit-collection NAME [--new-name] [options]``: change a collection."""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import CommandError, CommandParser

from builds.koji import KojiSessions
from builds.services.collections import edit_collection
from koschei_site.commands import KoscheiCommand
from packages.services import get_collection

create = importlib.import_module("builds.management.commands.create-collection")


class Command(KoscheiCommand):
    """Change a collection's settings; a new target or mode re-reads tags from Koji."""

    help = "Change a collection (only the given options change)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="current machine name")
        parser.add_argument("--new-name", help="rename the collection")
        create.add_collection_options(parser, required=False)

    def handle(self, *args: Any, **options: Any) -> None:
        editable = ("new_name", "target", "dest_tag", "mode", "display_name", *create.SETTINGS)
        if all(options.get(key) is None for key in editable):
            raise CommandError("Nothing to change: give at least one option")
        collection = get_collection(options["name"])
        mode = options["mode"]
        changed = edit_collection(
            collection=collection,
            sessions=KojiSessions.from_settings(),
            user=self.operator,
            environment=self.environment,
            new_name=options["new_name"],
            target=options["target"],
            dest_tag=options["dest_tag"],
            secondary_mode=None if mode is None else mode == "secondary",
            display_name=options["display_name"],
            **create.settings_from(options),
        )
        self.done(
            f"Collection {collection.name}: {', '.join(changed) if changed else 'nothing'} changed"
        )
