"""What the builds app's commands share: per-collection runs and the collection options.

Commands that read Koji switch off ``KoscheiCommand``'s transaction: they read Koji
first and write in a transaction of their own (or the services' ones) afterwards.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from builds.koji import KojiSessions
from koschei_site.commands import KoscheiCommand, parse_bool
from packages.models import Collection
from packages.services import get_collection


class CollectionsCommand(KoscheiCommand):
    """A command that does the same thing for one named collection or for all of them."""

    atomic = False  # Koji is read between the services' own transactions

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("collection", nargs="?", help="collection name (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["collection"]
        collections = [get_collection(name)] if name else list(Collection.objects.all())
        self.sessions = KojiSessions.for_commands()  # one login for every collection
        for collection in collections:
            self.done(f"{collection.name}: {self.run_for(collection)}")

    def run_for(self, collection: Collection) -> object:
        """Do the work for one collection; returns what to print as its summary."""
        raise NotImplementedError


def add_target_options(parser: CommandParser, *, required: bool) -> None:
    """The options naming a collection's Koji target (create, edit, branch, fork)."""
    parser.add_argument("-d", "--display-name", required=required, help="name shown in the UI")
    parser.add_argument("-t", "--target", required=required, help="Koji build target")
    parser.add_argument("--dest-tag", help="Koji tag of packages and builds (default: build tag)")


def add_settings_options(parser: CommandParser) -> None:
    """Options for ``Collection.SETTINGS`` and the Koji mode (create-collection,
    edit-collection); ``-d`` comes with ``add_target_options``."""
    parser.add_argument(
        "-m",
        "--mode",
        choices=["primary", "secondary"],
        help="read packages and repos from the primary or secondary Koji",
    )
    parser.add_argument(
        "-p",
        "--priority-coefficient",
        type=float,
        help="scales the dynamic part of priorities (default 1)",
    )
    parser.add_argument("-o", "--order", type=int, help="display order, higher first")
    parser.add_argument("--build-group", help="comps group of the base buildroot")
    parser.add_argument(
        "--poll-untracked",
        type=parse_bool,
        metavar="BOOL",
        help="register real builds of untracked packages too (true/false)",
    )
    parser.add_argument("--bugzilla-product")
    parser.add_argument("--bugzilla-version")


def settings_from(options: dict[str, Any]) -> dict[str, Any]:
    """The ``Collection.SETTINGS`` an operator gave on the command line."""
    return {key: options[key] for key in Collection.SETTINGS if options.get(key) is not None}


def secondary_mode_from(options: dict[str, Any]) -> bool | None:
    """``--mode`` as ``secondary_mode``; None when not given."""
    mode = options.get("mode")
    return None if mode is None else mode == "secondary"
