"""django-q2 entry points of the builds domain: thin, idempotent, taking ids only.

The polling schedules (``koschei_site/schedules.py``) run them; a collection that fails
is logged in one line and the others are still done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from builds.koji import KojiSessions
from builds.services import stats
from builds.services.package_list import refresh_packages as refresh_package_list
from builds.services.per_collection import collections_to_run, run_isolated
from builds.services.real_builds import refresh_latest_builds
from packages.models import Collection

log = logging.getLogger(__name__)


def refresh_packages(collection_id: int | None = None) -> int:
    """Refresh the package lists from Koji (one collection, or all); returns the failures."""
    sessions = KojiSessions.from_settings()
    return _each_collection(
        "refresh_packages",
        collection_id,
        lambda collection: refresh_package_list(collection=collection, sessions=sessions),
    )


def refresh_real_builds(collection_id: int | None = None) -> int:
    """Register new real builds and follow untagging (one collection, or all); returns
    the failures."""
    sessions = KojiSessions.from_settings()
    return _each_collection(
        "refresh_real_builds",
        collection_id,
        lambda collection: refresh_latest_builds(collection=collection, sessions=sessions),
    )


def refresh_stats() -> None:
    """Recompute the statistics tables."""
    stats.refresh_stats()


def _each_collection(
    name: str, collection_id: int | None, step: Callable[[Collection], object]
) -> int:
    outcomes = [run_isolated(step, collection) for collection in collections_to_run(collection_id)]
    failed = [outcome for outcome in outcomes if not outcome.ok]
    for outcome in failed:
        log.warning("%s %s", name, outcome)
    log.info("%s: %d collections, %d failed", name, len(outcomes), len(failed))
    return len(failed)
