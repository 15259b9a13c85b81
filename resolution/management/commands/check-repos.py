"""``manage.py check-repos``: look for new Koji repos; their resolution goes to the workers."""

from __future__ import annotations

from typing import Any

from builds.koji import KojiSessions
from koschei_site.commands import KoscheiCommand
from resolution.services.repo_check import check_new_repos


class Command(KoscheiCommand):
    """What the periodic repo check does, once: new repos, newly tracked packages, overdue
    chunks.  The runs it starts are enqueued for the django-q2 workers."""

    help = (
        "Check every collection for a new Koji repo (and for newly tracked packages), "
        "start their resolution on the workers, and print one line per collection."
    )
    atomic = False  # Koji and repos are read outside the per-collection transactions

    def handle(self, *args: Any, **options: Any) -> None:
        for check in check_new_repos(sessions=KojiSessions.for_commands()):
            line = str(check)
            if check.run is not None:
                line += f"; {check.run.kind} run {check.run.pk} started"
            self.done(line)
