"""Doing one step for every collection, each on its own: one that fails never stops the rest.

Commands print each outcome; tasks log them.  The step runs the services' own
transactions, so a failure leaves only that collection's work undone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from koschei_site.errors import error_reason
from packages.models import Collection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a step did for one collection: its summary, or why it failed (one line)."""

    collection: str
    ok: bool
    text: str

    def __str__(self) -> str:
        return (
            f"{self.collection}: {self.text}"
            if self.ok
            else f"{self.collection}: failed: {self.text}"
        )


def run_isolated(step: Callable[[Collection], object], collection: Collection) -> Outcome:
    """Run ``step`` for ``collection``; an exception becomes a failed Outcome (the traceback
    is logged at DEBUG), so the caller's loop goes on."""
    try:
        summary = step(collection)
    except Exception as error:  # one bad collection never stops the others
        log.debug("step failed for %s", collection.name, exc_info=True)
        return Outcome(collection.name, False, error_reason(error))
    return Outcome(collection.name, True, str(summary))


def collections_to_run(collection_id: int | None = None) -> list[Collection]:
    """One collection by id (none if it is gone), or every collection."""
    if collection_id is None:
        return list(Collection.objects.all())
    return list(Collection.objects.filter(pk=collection_id))
