"""Resolution runs: a collection's packages resolved against one repo, chunk by chunk.

A run is created in the transaction that records the repo; its chunks are enqueued as
django-q2 tasks after commit so they spread over every worker.  A chunk resolves outside
any transaction, then persists its packages and counts itself done in ONE transaction;
the chunk that completes the run enqueues ``finish_repo``.  Re-running a done chunk, or a
chunk of a run that is no longer running (superseded by a newer repo), is a no-op.  The
periodic repo check re-enqueues chunks that are overdue (a task lost with its worker).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from builds.koji import KojiSessions
from packages.models import Collection
from resolution.models import ResolutionChunk, ResolutionRun, RunKind, RunState
from resolution.services.outcomes import resolve_packages
from resolution.services.persist import PersistFigures, persist_outcomes

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 300
DEFAULT_OVERDUE_SECONDS = 900


def chunk_size() -> int:
    return int(settings.KOSCHEI["dependency"].get("resolve_chunk_size") or DEFAULT_CHUNK_SIZE)


def overdue_after() -> timedelta:
    seconds = settings.KOSCHEI["dependency"].get("chunk_overdue_seconds")
    return timedelta(seconds=DEFAULT_OVERDUE_SECONDS if seconds is None else float(seconds))


def _enqueue_chunks(chunk_ids: Sequence[int]) -> None:
    for chunk_id in chunk_ids:
        async_task("resolution.tasks.resolve_repo_chunk", chunk_id)


def start_run(
    *,
    collection: Collection,
    repo_id: int,
    kind: RunKind,
    group: Sequence[str],
    package_ids: Sequence[int],
    enqueue: bool = True,
) -> ResolutionRun:
    """Create a run and its chunks; with ``enqueue``, their tasks go out after commit.

    Must run inside the caller's transaction; supersedes the collection's running runs.
    """
    ResolutionRun.objects.filter(collection=collection, state=RunState.RUNNING).update(
        state=RunState.SUPERSEDED, finished_at=timezone.now()
    )
    size = chunk_size()
    parts = [list(package_ids[i : i + size]) for i in range(0, len(package_ids), size)]
    run = ResolutionRun.objects.create(
        collection=collection,
        repo_id=repo_id,
        kind=kind,
        build_group=list(group),
        chunks_total=len(parts),
        packages=0,
    )
    now = timezone.now()
    chunks = ResolutionChunk.objects.bulk_create(
        ResolutionChunk(run=run, package_ids=part, enqueued_at=now if enqueue else None)
        for part in parts
    )
    if not parts:
        _finish(run.pk)
    elif enqueue:
        ids = [c.pk for c in chunks]
        transaction.on_commit(lambda: _enqueue_chunks(ids))
    log.info(
        "Resolution run %s of %s at repo %s: %s, %d packages in %d chunks",
        run.pk,
        collection.name,
        repo_id,
        kind,
        len(package_ids),
        len(parts),
    )
    return run


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk did; ``ran`` is False for a no-op (done, superseded, lost race)."""

    ran: bool
    figures: PersistFigures | None = None
    run_complete: bool = False


class _Stale(Exception):
    """The run stopped running while the chunk was being persisted."""


def run_chunk(*, chunk_id: int, sessions: KojiSessions, enqueue_finish: bool = True) -> ChunkResult:
    """Resolve and persist one chunk.  Idempotent; must not run inside a transaction.

    Raises ``inputs.RepoUnavailable`` when the repo cannot be had (the chunk stays open
    and is retried when overdue).
    """
    chunk = (
        ResolutionChunk.objects.select_related("run", "run__collection").filter(pk=chunk_id).first()
    )
    if chunk is None or chunk.done or chunk.run.state != RunState.RUNNING:
        return ChunkResult(ran=False)
    run = chunk.run
    outcomes = resolve_packages(
        collection=run.collection,
        repo_id=run.repo_id,
        group=run.build_group,
        package_ids=chunk.package_ids,
        sessions=sessions,
        incremental=run.kind != RunKind.FULL,
    )
    try:
        with transaction.atomic():
            locked = ResolutionChunk.objects.select_for_update().get(pk=chunk_id)
            if locked.done:
                raise _Stale
            figures = persist_outcomes(repo_id=run.repo_id, outcomes=outcomes.outcomes)
            skipped = figures.skipped + len(outcomes.skipped)
            ResolutionChunk.objects.filter(pk=chunk_id).update(done=True)
            complete = _count_chunk(run.pk, figures, skipped)
            if complete and enqueue_finish:
                transaction.on_commit(lambda: async_task("resolution.tasks.finish_repo", run.pk))
    except _Stale:
        return ChunkResult(ran=False)
    return ChunkResult(ran=True, figures=figures, run_complete=complete)


COUNT_CHUNK = """
    UPDATE resolution_run SET chunks_done = chunks_done + 1,
        packages = packages + %s, solved = solved + %s, reused = reused + %s,
        skipped = skipped + %s, changed = changed + %s, problems = problems + %s
    WHERE id = %s AND state = 'running'
    RETURNING chunks_done >= chunks_total
"""


def _count_chunk(run_id: int, figures: PersistFigures, skipped: int) -> bool:
    """Count the chunk into its run; raise _Stale when the run is no longer running."""
    with connection.cursor() as cursor:
        cursor.execute(
            COUNT_CHUNK,
            [
                figures.processed,
                figures.processed - figures.reused,
                figures.reused,
                skipped,
                figures.changed,
                figures.problems,
                run_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        raise _Stale
    return bool(row[0])


def finish_run(*, run_id: int) -> ResolutionRun | None:
    """Close a run whose chunks are all done.  Idempotent; returns the run (None: unknown)."""
    with transaction.atomic():
        return _finish(run_id)


def _finish(run_id: int) -> ResolutionRun | None:
    run = ResolutionRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        return None
    if run.state == RunState.RUNNING and run.chunks_done >= run.chunks_total:
        run.state = RunState.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "finished_at"])
        log.info(
            "Resolution run %s done: packages=%d solved=%d reused=%d changed=%d problems=%d",
            run.pk,
            run.packages,
            run.solved,
            run.reused,
            run.changed,
            run.problems,
        )
    return run


def requeue_overdue_chunks(*, collection: Collection | None = None) -> int:
    """Enqueue again the open chunks of running runs enqueued too long ago; return how many.

    A chunk never enqueued (an in-process run whose process died) counts from its run's start.
    """
    cutoff = timezone.now() - overdue_after()
    chunks = ResolutionChunk.objects.filter(
        Q(enqueued_at__lte=cutoff) | Q(enqueued_at__isnull=True, run__started_at__lte=cutoff),
        done=False,
        run__state=RunState.RUNNING,
    )
    if collection is not None:
        chunks = chunks.filter(run__collection=collection)
    with transaction.atomic():
        ids = list(chunks.select_for_update(skip_locked=True).values_list("pk", flat=True))
        if ids:
            ResolutionChunk.objects.filter(pk__in=ids).update(
                enqueued_at=timezone.now(), attempts=F("attempts") + 1
            )
            transaction.on_commit(lambda: _enqueue_chunks(ids))
    if ids:
        log.warning("Re-enqueued %d overdue resolution chunks", len(ids))
    return len(ids)


def run_in_process(
    *, run: ResolutionRun, sessions: KojiSessions, progress: Callable[[int], None] | None = None
) -> ResolutionRun:
    """Run every open chunk of a run here and now (the operator command), then finish it."""
    started = time.monotonic()
    for chunk in ResolutionChunk.objects.filter(run=run, done=False).order_by("id"):
        run_chunk(chunk_id=chunk.pk, sessions=sessions, enqueue_finish=False)
        if progress is not None:
            progress(len(chunk.package_ids))
    finished = finish_run(run_id=run.pk)
    log.info("Run %s resolved in process in %.1f s", run.pk, time.monotonic() - started)
    return finished or run
