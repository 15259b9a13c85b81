"""``manage.py resolve-builds [COLLECTION]``: resolve the dependencies of new builds."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from builds.commands import koji_sessions
from koschei_site.commands import KoscheiCommand
from packages.services import get_collection
from resolution.services.build_resolver import resolve_builds


class Command(KoscheiCommand):
    """Resolve every unprocessed build (in the repo it used) and record its changes."""

    help = (
        "Resolve the dependencies of builds not processed yet, of one collection or all, "
        "and print packages=N changed=N problems=N seconds=S."
    )
    atomic = False  # Koji and repos are read between the per-repo transactions

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("collection", nargs="?", help="collection name (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["collection"]
        collection = get_collection(name) if name else None
        started = time.monotonic()
        with self.progress(total=None, desc="builds", unit="build") as bar:
            figures = resolve_builds(
                sessions=koji_sessions(self), collection=collection, progress=bar
            )
        self.done(
            f"packages={figures.builds} changed={figures.changes} "
            f"problems={figures.unresolved} seconds={time.monotonic() - started:.2f}"
        )
        failures = [f"{name}: {reason}" for name, reason in figures.failed]
        if collection is not None and failures:
            raise CommandError(failures[0])  # the named collection's own error
        for failure in failures:
            self.stderr.write(failure)
        if failures:
            names = ", ".join(name for name, _ in figures.failed)
            raise CommandError(f"{len(failures)} collections failed: {names}")
