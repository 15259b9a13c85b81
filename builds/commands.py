"""What the builds app's commands share: per-collection runs and the collection options.

Commands that read Koji switch off ``KoscheiCommand``'s transaction: they read Koji
first and write in a transaction of their own (or the services' ones) afterwards.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from builds.koji import KojiSessions
from builds.services.collections import read_tag
from builds.services.per_collection import run_isolated
from koschei_site.commands import KoscheiCommand, parse_bool
from packages.models import Collection
from packages.services import get_collection


def koji_sessions(command: KoscheiCommand) -> KojiSessions:
    """Koji sessions with the commands' short retry bound, closed when ``command`` ends."""
    sessions = KojiSessions.for_commands()
    command.cleanup.callback(sessions.close)
    return sessions


class CollectionsCommand(KoscheiCommand):
    """A command that does the same thing for one named collection or for all of them.

    For all of them, each collection is done on its own (the services' own transactions):
    one that fails is reported in one line on stderr and the others still run; the
    command then fails naming every collection that did.
    """

    atomic = False  # Koji is read between the services' own transactions

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("collection", nargs="?", help="collection name (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.sessions = koji_sessions(self)  # one login for every collection
        name = options["collection"]
        if name:  # its failure is the command's own one-line error
            collection = get_collection(name)
            self.done(f"{collection.name}: {self.run_for(collection)}")
            return
        collections = list(Collection.objects.all())
        failed = []
        for collection in collections:
            outcome = run_isolated(self.run_for, collection)
            if outcome.ok:
                self.done(str(outcome))
            else:
                self.stderr.write(str(outcome))
                failed.append(outcome.collection)
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(collections)} collections failed: {', '.join(failed)}"
            )

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


def read_dest_tag(
    options: dict[str, Any], *, sessions: KojiSessions, secondary_mode: bool
) -> str | None:
    """``--dest-tag`` checked against Koji like ``-t`` is; None when not given.  Calls Koji."""
    name = options.get("dest_tag")
    if name is None:
        return None
    return read_tag(sessions=sessions, name=name, secondary_mode=secondary_mode)
