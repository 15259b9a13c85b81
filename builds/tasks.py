"""django-q2 entry points of the builds domain: thin, idempotent, taking ids only.

``schedule_builds`` makes one scheduling decision.  The schedules
(``koschei_site/schedules.py``) run the tasks periodically; messages enqueue
``sync_build`` and ``refresh_real_builds`` at once.  A collection that fails is logged
in one line and the others are still done; a Koji failure during build sync is one
WARNING line, the builds stay running and the next poll takes them up again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from builds.koji import KojiError, KojiSessions
from builds.services import stats
from builds.services.build_sync import SyncFigures, sync_builds
from builds.services.package_list import refresh_packages as refresh_package_list
from builds.services.per_collection import collections_to_run, run_isolated
from builds.services.real_builds import refresh_latest_builds
from builds.services.repo_mappings import refresh_repo_mapping
from builds.services.scheduler import Outcome, schedule_build
from packages.models import Collection

log = logging.getLogger(__name__)


def schedule_builds(decisions: int = 1) -> str:
    """Up to ``decisions`` scheduling decisions, each submitting at most one scratch build,
    stopping at the first that submits nothing; returns the last decision's summary line.

    Safe to run at any time and on several workers at once: each decision is serialised in
    the database, and a passive instance (services.scheduler.enabled false) does nothing.
    """
    sessions = KojiSessions.from_settings()
    try:
        for _ in range(max(1, decisions)):
            decision = schedule_build(sessions=sessions)
            log.info("schedule_builds: %s", decision.summary())
            if decision.outcome is not Outcome.SUBMITTED:
                break
    finally:
        sessions.close()
    return decision.summary()


def _sync(name: str, task_id: int | None = None) -> SyncFigures | None:
    try:
        figures = sync_builds(sessions=KojiSessions.from_settings(), task_id=task_id)
    except KojiError as exc:
        log.warning("%s: Koji failed, builds left running: %s", name, exc)
        return None
    log.info("%s: %s", name, figures)
    return figures


def poll_builds() -> int:
    """Update every running build from Koji; returns how many finished (complete or failed)."""
    figures = _sync("poll_builds")
    return figures.finished if figures else 0


def sync_build(task_id: int) -> int:
    """Update the running builds of one Koji task; returns how many finished."""
    figures = _sync(f"sync_build {task_id}", task_id)
    return figures.finished if figures else 0


def refresh_packages(collection_id: int | None = None) -> int:
    """Refresh the package lists from Koji (one collection, or all); returns the failures."""
    sessions = KojiSessions.from_settings()
    return _each_collection(
        "refresh_packages",
        collection_id,
        lambda collection: refresh_package_list(collection=collection, sessions=sessions),
    )


def refresh_real_builds(collection_id: int | None = None, package_name: str | None = None) -> int:
    """Register new real builds and follow untagging (one collection, or all; one package
    of it when a tag message named one); returns the failures."""
    sessions = KojiSessions.from_settings()
    return _each_collection(
        "refresh_real_builds",
        collection_id,
        lambda collection: refresh_latest_builds(
            collection=collection, sessions=sessions, package_name=package_name
        ),
    )


def refresh_repo_mappings(collection_id: int | None = None) -> int:
    """Secondary mode: have the primary mirror each collection's resolved secondary repo and
    record the primary repo it made (one collection, or all); returns the failures."""
    sessions = KojiSessions.from_settings()
    try:
        return _each_collection(
            "refresh_repo_mappings",
            collection_id,
            lambda collection: refresh_repo_mapping(collection=collection, sessions=sessions),
        )
    finally:
        sessions.close()


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
