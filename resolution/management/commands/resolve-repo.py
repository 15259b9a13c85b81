"""``manage.py resolve-repo COLLECTION [--full]``: resolve the latest repo here and now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from builds.commands import koji_sessions
from koschei_site.commands import KoscheiCommand
from packages.services import get_collection
from resolution.services.repo_check import resolve_repo


class Command(KoscheiCommand):
    """Resolve a collection's base buildroot and every eligible package, in this process."""

    help = (
        "Resolve the latest Koji repo of a collection in this process (chunk after chunk) "
        "and print packages=N changed=N problems=N seconds=S."
    )
    atomic = False  # Koji and repos are read between the chunks' own transactions

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("collection", help="collection name")
        parser.add_argument(
            "--full", action="store_true", help="resolve every package (no install-set reuse)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        collection = get_collection(options["collection"])
        with self.progress(total=None, desc="resolve", unit="pkg") as bar:
            result = resolve_repo(
                collection=collection,
                sessions=koji_sessions(self),
                full=options["full"],
                progress=bar,
                announce_total=bar.set_total if bar else None,
            )
        run = result.run
        if run is None:
            self.done(f"{result.check}; packages not resolved")
        else:
            self.done(
                f"{result.check}; {run.kind} run {run.pk}: solved={run.solved} "
                f"reused={run.reused} skipped={run.skipped}"
            )
        self.done(result.summary())
