"""Resolution runs: a collection's packages resolved against one repo, chunk by chunk.

A run is created in the transaction that records the repo; its chunks are enqueued as
django-q2 tasks after commit so they spread over every worker.  A chunk resolves outside
any transaction, then persists its packages and counts itself done in ONE transaction;
the chunk that completes the run enqueues ``finish_repo``, and a run that ends enqueues
the scheduler.  Every package of an incremental run (once the collection has stored
resolutions) starts in a triage chunk (``resolution.services.triage``), which moves those
whose stored outcome holds and resolves the others itself when they are few, else adds
solving chunks counted into the run in the same transaction.  Re-running a done chunk, or
a chunk of a run that is no longer running (superseded by a newer repo), is a no-op.  The
periodic repo check re-enqueues chunks that are overdue (a task lost with its worker).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
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
from resolution.services.baselines import BASELINE_JOIN
from resolution.services.inputs import RepoSource
from resolution.services.outcomes import ChunkOutcomes, resolve_packages
from resolution.services.persist import PersistFigures, persist_outcomes
from resolution.services.phases import PhaseSeconds
from resolution.services.triage import Triage, triage, without_jit

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 300
#: a finished run enqueues the scheduler (by name: builds is the layer below) at once: the
#: priorities it wrote may have put packages over the threshold, and the scheduler's
#: schedule runs once a minute; as many decisions as one run of that schedule makes
SCHEDULE_BUILDS = "builds.tasks.schedule_builds"
FOLLOW_UP_DECISIONS = 10
MIN_CHUNK_SIZE = 50
DEFAULT_OVERDUE_SECONDS = 900


def chunk_size() -> int:
    return int(settings.KOSCHEI["dependency"].get("resolve_chunk_size") or DEFAULT_CHUNK_SIZE)


def min_triage_share() -> int:
    """Packages per triage chunk of a large incremental run (one chunk per worker at most)."""
    return int(settings.KOSCHEI["dependency"]["min_triage_share"])


def overdue_after() -> timedelta:
    seconds = settings.KOSCHEI["dependency"].get("chunk_overdue_seconds")
    return timedelta(seconds=DEFAULT_OVERDUE_SECONDS if seconds is None else float(seconds))


def _enqueue_chunks(chunk_ids: Sequence[int]) -> None:
    for chunk_id in chunk_ids:
        async_task("resolution.tasks.resolve_repo_chunk", chunk_id)


def _workers() -> int:
    return max(1, int(str(settings.Q_CLUSTER.get("workers") or 1)))


def _chunk_size(packages: int) -> int:
    """The configured size, smaller for a small run so that it spreads over every worker
    (and evenly: a run of a few packages is one chunk per worker)."""
    workers = _workers()
    spread = max(MIN_CHUNK_SIZE, -(-packages // (2 * workers)))
    return max(1, min(chunk_size(), spread, -(-packages // workers)))


def _split(package_ids: Sequence[int], size: int) -> list[list[int]]:
    return [list(package_ids[i : i + size]) for i in range(0, len(package_ids), size)]


def _add_chunks(
    run: ResolutionRun,
    package_ids: Sequence[int],
    *,
    reusable: AbstractSet[int] = frozenset(),
    triage: Sequence[int] = (),
    enqueue: bool,
    done: bool = False,
) -> int:
    """Create the run's chunks (inside the caller's transaction); return how many.

    With ``enqueue`` their tasks go out after commit, the triage chunks last; ``done``:
    the caller resolved their packages itself and persists them in this transaction.
    """
    now = timezone.now() if enqueue else None
    rows = [
        ResolutionChunk(
            run=run,
            package_ids=part,
            reusable=[pid for pid in part if pid in reusable],
            enqueued_at=now,
            done=done,
        )
        for part in _split(package_ids, _chunk_size(len(package_ids)))
    ]
    # the triage of a large run is shared by the workers: a share per ``min_triage_share``
    # packages (rounded up), at most one per worker, as each share works out or reads the
    # repo change
    shares = min(_workers(), -(-len(triage) // min_triage_share()))
    rows += [
        ResolutionChunk(run=run, package_ids=part, triage=True, enqueued_at=now)
        for part in (_split(triage, -(-len(triage) // shares)) if triage else [])
    ]
    chunks = ResolutionChunk.objects.bulk_create(rows)
    if enqueue and chunks:
        ids = [c.pk for c in chunks]
        transaction.on_commit(lambda: _enqueue_chunks(ids))
    return len(chunks)


def start_run(
    *,
    collection: Collection,
    repo_id: int,
    kind: RunKind,
    group: Sequence[str],
    package_ids: Sequence[int],
    triage: Sequence[int] = (),
    enqueue: bool = True,
    repo_packages: int | None = None,
) -> ResolutionRun:
    """Create a run and its chunks; with ``enqueue``, their tasks go out after commit.

    ``package_ids`` are solved; ``triage`` packages (every eligible package of an
    incremental run once the collection has stored resolutions) go to triage chunks,
    which move those whose stored outcome holds and resolve or add chunks for the others.
    ``repo_packages``: the repo's size, for comparing the next repo with.  Must run
    inside the caller's transaction; supersedes the collection's running runs.
    """
    ResolutionRun.objects.filter(collection=collection, state=RunState.RUNNING).update(
        state=RunState.SUPERSEDED, finished_at=timezone.now()
    )
    run = ResolutionRun.objects.create(
        collection=collection,
        repo_id=repo_id,
        kind=kind,
        build_group=list(group),
        repo_packages=repo_packages,
    )
    run.chunks_total = _add_chunks(run, package_ids, triage=triage, enqueue=enqueue)
    run.save(update_fields=["chunks_total"])
    if not run.chunks_total:
        _finish(run.pk)
    log.info(
        "Resolution run %s of %s at repo %s: %s, %d packages to solve, %d to triage",
        run.pk,
        collection.name,
        repo_id,
        kind,
        len(package_ids),
        len(triage),
    )
    return run


MOVE_UNCHANGED = f"""
    UPDATE package_resolution pr SET repo_id = %s
    FROM package p
    {BASELINE_JOIN}
    WHERE pr.package_id = ANY(%s::int[]) AND p.id = pr.package_id
      AND NOT p.skip_resolution
      AND p.last_build_id IS NOT DISTINCT FROM pr.last_build_id
      AND (p.resolved IS FALSE
           OR p.resolved AND baseline.id IS NOT DISTINCT FROM pr.baseline_build_id)
    RETURNING p.resolved
"""  # noqa: S608 - composed of constants


def move_unchanged(package_ids: Sequence[int], repo_id: int) -> tuple[int, int]:
    """Move packages whose stored outcome holds to the repo; return how many moved, and
    how many of those are unresolved.  Inside the caller's transaction.

    The conditions the triage checked on the last build and baseline are checked again
    here, so a package whose build changed since is left for the next run.
    """
    if not package_ids:
        return 0, 0
    with connection.cursor() as cursor:
        without_jit(cursor)
        cursor.execute(MOVE_UNCHANGED, [repo_id, list(package_ids)])
        resolved = [row[0] for row in cursor.fetchall()]
    return len(resolved), resolved.count(False)


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk did; ``ran`` is False for a no-op (done, superseded, lost race)."""

    ran: bool
    figures: PersistFigures | None = None
    run_complete: bool = False
    #: packages the chunk finished with (a triage chunk: those it did not pass on)
    settled: int = 0
    #: where a solving chunk's time went (None for a triage chunk)
    seconds: PhaseSeconds | None = None


class _Stale(Exception):
    """The run stopped running while the chunk was being persisted."""


def run_chunk(*, chunk_id: int, sessions: KojiSessions, enqueue: bool = True) -> ChunkResult:
    """Resolve and persist one chunk (or triage it).  Idempotent; not inside a transaction.

    ``enqueue``: send the tasks that follow (new chunks, the finishing step) to the
    workers.  Raises ``inputs.RepoUnavailable`` when the repo cannot be had (the chunk
    stays open and is retried when overdue).
    """
    chunk = (
        ResolutionChunk.objects.select_related("run", "run__collection").filter(pk=chunk_id).first()
    )
    if chunk is None or chunk.done or chunk.run.state != RunState.RUNNING:
        return ChunkResult(ran=False)
    if chunk.triage:
        return _run_triage(chunk, sessions, enqueue=enqueue)
    run = chunk.run
    outcomes = resolve_packages(
        source=RepoSource(run.collection, run.repo_id, sessions),
        group=run.build_group,
        package_ids=chunk.package_ids,
        reusable=frozenset(chunk.reusable),
    )
    seconds = outcomes.seconds
    started = time.perf_counter()
    try:
        with transaction.atomic():
            _claim_chunk(chunk_id)
            persisting = time.perf_counter()
            figures = persist_outcomes(repo_id=run.repo_id, outcomes=outcomes.outcomes)
            seconds.persist = time.perf_counter() - persisting
            skipped = figures.skipped + len(outcomes.skipped)
            complete = _count_chunk(run.pk, figures, skipped)
            if complete and enqueue:
                _enqueue_finish(run.pk)
    except _Stale:
        return ChunkResult(ran=False)
    seconds.bookkeeping = time.perf_counter() - started - seconds.persist
    log.info(
        "Chunk %s: %d packages, %d solved alike; %s",
        chunk_id,
        len(chunk.package_ids),
        outcomes.shared,
        seconds,
    )
    return ChunkResult(
        ran=True,
        figures=figures,
        run_complete=complete,
        settled=len(chunk.package_ids),
        seconds=seconds,
    )


def _run_triage(chunk: ResolutionChunk, sessions: KojiSessions, *, enqueue: bool) -> ChunkResult:
    """Sort the chunk's packages; move the unchanged ones and solve or pass on the others.

    A few packages to solve (at most ``MIN_CHUNK_SIZE``) are solved here, in the same
    transaction as the move, rather than waiting for a chunk of their own.
    """
    run = chunk.run
    source = RepoSource(run.collection, run.repo_id, sessions)
    started = time.monotonic()
    plan = triage(source=source, group=run.build_group, package_ids=chunk.package_ids)
    triaged = time.monotonic()
    solved = None
    if plan.solve and len(plan.solve) <= MIN_CHUNK_SIZE:
        solved = resolve_packages(
            source=source, group=run.build_group, package_ids=plan.solve, reusable=plan.reusable
        )
    resolved = time.monotonic()
    try:
        figures, complete = _commit_triage(chunk, plan, solved, enqueue=enqueue)
    except _Stale:
        return ChunkResult(ran=False)
    log.info(
        "Triage chunk %s: sorted in %.2f s, %d solved here in %.2f s, committed in %.2f s",
        chunk.pk,
        triaged - started,
        len(plan.solve) if solved is not None else 0,
        resolved - triaged,
        time.monotonic() - resolved,
    )
    settled = len(chunk.package_ids) - (0 if solved is not None else len(plan.solve))
    return ChunkResult(ran=True, figures=figures, run_complete=complete, settled=settled)


def _commit_triage(
    chunk: ResolutionChunk, plan: Triage, solved: ChunkOutcomes | None, *, enqueue: bool
) -> tuple[PersistFigures, bool]:
    """In one transaction: mark the triage chunk done, move the unchanged packages, persist
    those it ``solved`` (their chunk recorded as done) or add chunks for the rest, count it
    all into the run; the figures and whether the run is complete.  Raises _Stale."""
    run = chunk.run
    with transaction.atomic():
        _claim_chunk(chunk.pk)
        moved, unresolved = move_unchanged(plan.unchanged, run.repo_id)
        figures = PersistFigures(
            processed=moved,
            skipped=len(plan.unchanged) - moved,
            changed=0,
            problems=unresolved,
            reused=moved,
        )
        if solved is not None:
            added = _add_chunks(run, plan.solve, reusable=plan.reusable, enqueue=False, done=True)
            figures += persist_outcomes(repo_id=run.repo_id, outcomes=solved.outcomes)
            figures += PersistFigures(0, len(solved.skipped), 0, 0, 0)
        else:
            added = _add_chunks(run, plan.solve, reusable=plan.reusable, enqueue=enqueue)
        complete = _count_chunk(
            run.pk,
            figures,
            figures.skipped,
            added_chunks=added,
            done_chunks=1 + (added if solved is not None else 0),
        )
        if complete and enqueue:
            _enqueue_finish(run.pk)
    return figures, complete


def _claim_chunk(chunk_id: int) -> None:
    """Lock the chunk's row and mark it done, so that no other attempt persists it; raise
    _Stale when another attempt got there first.  Inside the transaction that persists it."""
    locked = ResolutionChunk.objects.select_for_update().get(pk=chunk_id)
    if locked.done:
        raise _Stale
    ResolutionChunk.objects.filter(pk=chunk_id).update(done=True)


def _enqueue_finish(run_id: int) -> None:
    transaction.on_commit(lambda: async_task("resolution.tasks.finish_repo", run_id))


COUNT_CHUNK = """
    UPDATE resolution_run SET chunks_done = chunks_done + %s,
        chunks_total = chunks_total + %s,
        packages = packages + %s, solved = solved + %s, reused = reused + %s,
        skipped = skipped + %s, changed = changed + %s, problems = problems + %s
    WHERE id = %s AND state = 'running'
    RETURNING chunks_done >= chunks_total
"""


def _count_chunk(
    run_id: int,
    figures: PersistFigures,
    skipped: int,
    *,
    added_chunks: int = 0,
    done_chunks: int = 1,
) -> bool:
    """Count the chunk (and the chunks it added, of which ``done_chunks`` - 1 it did
    itself) into its run; raise _Stale when the run is no longer running.  True when it
    was the last open chunk."""
    with connection.cursor() as cursor:
        cursor.execute(
            COUNT_CHUNK,
            [
                done_chunks,
                added_chunks,
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
        transaction.on_commit(lambda: async_task(SCHEDULE_BUILDS, decisions=FOLLOW_UP_DECISIONS))
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
    """Run every open chunk of a run here and now (the operator command), then finish it.

    Chunks a triage chunk adds are run too; ``progress`` gets the packages each settled.
    """
    started = time.monotonic()
    seconds = PhaseSeconds()
    while True:
        chunk = ResolutionChunk.objects.filter(run=run, done=False).order_by("id").first()
        if chunk is None:
            break
        result = run_chunk(chunk_id=chunk.pk, sessions=sessions, enqueue=False)
        if not result.ran:  # superseded meanwhile
            break
        seconds += result.seconds or PhaseSeconds()
        if progress is not None:
            progress(result.settled)
    finished = finish_run(run_id=run.pk)
    log.info("Run %s resolved in process in %.1f s", run.pk, time.monotonic() - started)
    log.info("Run %s solving chunks, by phase: %s", run.pk, seconds)
    return finished or run
