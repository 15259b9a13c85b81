"""``manage.py check-repos [COLLECTION]``: look for new Koji repos; their resolution goes to
the workers."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from builds.commands import koji_sessions
from koschei_site.commands import KoscheiCommand
from packages.services import get_collection
from resolution.services.repo_check import check_new_repos


class Command(KoscheiCommand):
    """What the periodic repo check does, once: new repos, newly tracked packages, overdue
    chunks.  The runs it starts are enqueued for the django-q2 workers.  Every collection
    is checked even when one fails; the command fails at the end if any did (or if its
    repo cannot be used)."""

    help = (
        "Check every collection (or one) for a new Koji repo (and for newly tracked "
        "packages), start their resolution on the workers, and print one line per "
        "collection; exit non-zero when a collection's check failed or its repo is unusable."
    )
    atomic = False  # Koji and repos are read outside the per-collection transactions

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("collection", nargs="?", help="collection name (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["collection"]
        collection = get_collection(name) if name else None
        checks = check_new_repos(sessions=koji_sessions(self), collection=collection)
        failed = [check for check in checks if check.failed]
        if collection is not None and failed:
            raise CommandError(str(failed[0]))
        for check in checks:
            line = str(check)
            if check.run is not None:
                line += f"; {check.run.kind} run {check.run.pk} started"
            self.done(line)
        if failed:
            raise CommandError(f"{len(failed)} of {len(checks)} collections failed the repo check")
