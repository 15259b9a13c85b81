"""django-q2 entry points of the resolution domain: thin, idempotent, taking ids only."""

from __future__ import annotations

import logging

from builds.koji import KojiSessions
from packages.models import Collection
from resolution.services.build_resolver import resolve_builds as resolve_builds_service
from resolution.services.inputs import RepoSource, RepoUnavailable
from resolution.services.repo_check import check_collection
from resolution.services.repo_check import check_new_repos as check_new_repos_service
from resolution.services.runs import finish_run, run_chunk
from resolution.services.triage import prepare

log = logging.getLogger(__name__)


def check_new_repos() -> int:
    """Check every collection for a new repo (and re-enqueue overdue chunks); runs started.

    A collection whose check fails is logged in one line and the others are checked.
    """
    checks = check_new_repos_service(sessions=KojiSessions.from_settings())
    started = sum(check.run is not None for check in checks)
    failed = sum(check.failed for check in checks)
    log.info(
        "check_new_repos: %d collections, %d runs started, %d failed (repo error or check)",
        len(checks),
        started,
        failed,
    )
    return started


def reresolve_collection(collection_id: int) -> bool:
    """Resolve a collection's latest repo again, every package solved (no install set
    reused); False when the collection is gone or the repo could not be used."""
    collection = Collection.objects.filter(pk=collection_id).first()
    if collection is None:
        return False
    check = check_collection(
        collection=collection, sessions=KojiSessions.from_settings(), full=True, force=True
    )
    log.info("reresolve_collection %s: %s", collection_id, check)
    return check.run is not None


def resolve_repo_chunk(chunk_id: int) -> bool:
    """Resolve one chunk of a run; False when there was nothing to do (or the repo is gone).

    A repo that cannot be had leaves the chunk open: the repo check retries it when overdue.
    """
    try:
        result = run_chunk(chunk_id=chunk_id, sessions=KojiSessions.from_settings())
    except RepoUnavailable as exc:
        log.warning("resolve_repo_chunk %s: %s", chunk_id, exc)
        return False
    log.info("resolve_repo_chunk %s: ran=%s figures=%s", chunk_id, result.ran, result.figures)
    return result.ran


def prepare_repo(collection_id: int, repo_id: int, previous_repo_id: int) -> bool:
    """Load a new repo and its change from the previous one ahead of the triage."""
    collection = Collection.objects.filter(pk=collection_id).first()
    if collection is None:
        return False
    source = RepoSource(collection, repo_id, KojiSessions.from_settings())
    return prepare(source=source, previous=previous_repo_id)


def finish_repo(run_id: int) -> bool:
    """Close a run whose chunks are all done; False if unknown."""
    run = finish_run(run_id=run_id)
    log.info("finish_repo %s: %s", run_id, run.state if run else "unknown run")
    return run is not None


def resolve_builds(collection_id: int | None = None) -> int:
    """Resolve unprocessed builds of one collection (or all); returns builds processed."""
    collection = None
    if collection_id is not None:
        collection = Collection.objects.filter(pk=collection_id).first()
        if collection is None:
            log.info("resolve_builds: collection %s is gone", collection_id)
            return 0
    figures = resolve_builds_service(sessions=KojiSessions.from_settings(), collection=collection)
    return figures.builds
