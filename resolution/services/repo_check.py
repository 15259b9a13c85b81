"""New-repo detection and the base buildroot of a collection (spec 3.3, 8.7 fixed).

For each collection: when Koji has a READY repo newer than ``latest_repo_id``, fetch it
and its build group, check that the build group installs, record the outcome, and, when
it does, start a run resolving every eligible package.  Without a new repo, packages
never resolved (newly tracked) are resolved against the latest repo.  A dead repo, a
missing build group, a repo that cannot be downloaded or loaded, a suspicious repo
(empty, without any of the build group's packages, or shrunk by more than
``dependency.suspicious_repo_shrink`` since the last repo resolved) and a Koji repo id
older than the collection's are recorded in ``Collection.repo_error`` (cleared by the
next good repo) and reported; nothing crashes the worker, and a failing collection does
not stop the check of the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from builds import koji
from builds.koji import KojiSessions
from koschei_site.errors import ServiceError, error_reason
from packages.models import Collection
from packages.signals import send_collection_state_after_commit
from resolution.depsolve import GoalResult, canonical_problems
from resolution.models import BuildrootProblem, ResolutionRun, RunKind, RunState
from resolution.services import inputs
from resolution.services.inputs import RepoSource, RepoUnavailable
from resolution.services.outcomes import eligible_packages
from resolution.services.runs import requeue_overdue_chunks, run_in_process, start_run
from resolution.services.triage import has_stored_resolutions

log = logging.getLogger(__name__)

#: secondary mode: the task that has the primary make a repo for the recorded one
MAP_REPOS = "builds.tasks.refresh_repo_mappings"

#: a repo that failed is tried again after this long (a transient download error)
RETRY_FAILED_REPO = 300


@dataclass(frozen=True)
class RepoCheck:
    """What a check did for one collection."""

    collection: str
    repo_id: int | None = None
    base_resolved: bool | None = None
    error: str = ""
    run: ResolutionRun | None = None
    #: a concurrent check recorded this repo (or a newer one) first
    lost_race: bool = False

    @property
    def failed(self) -> bool:
        """The repo cannot be used, or the check itself failed (``error`` says why)."""
        return bool(self.error)

    def __str__(self) -> str:
        if self.error and self.repo_id is None:
            return f"{self.collection}: {self.error}"
        if self.error:
            return f"{self.collection}: repo {self.repo_id}: {self.error}"
        if self.lost_race:
            return f"{self.collection}: repo {self.repo_id} taken by a concurrent check"
        if self.repo_id is None:
            return f"{self.collection}: nothing to do"
        state = "resolved" if self.base_resolved else "unresolved"
        return f"{self.collection}: repo {self.repo_id}, base buildroot {state}"


def check_new_repos(
    *,
    sessions: KojiSessions,
    enqueue: bool = True,
    collection: Collection | None = None,
) -> list[RepoCheck]:
    """Check every collection (or just ``collection``), then re-enqueue overdue chunks.

    Each collection is checked on its own (its writes in transactions of its own): one
    whose check fails (Koji down or refusing, a bug) gets a failed ``RepoCheck`` saying
    why in one line, and the others are checked all the same.  Idempotent.
    """
    collections = [collection] if collection is not None else Collection.objects.order_by("id")
    checks = []
    for each in collections:
        try:
            check = check_collection(collection=each, sessions=sessions, enqueue=enqueue)
        except Exception as exc:  # one collection must not stop the others
            check = RepoCheck(each.name, error=f"repo check failed: {error_reason(exc)}")
            log.error("%s", check)
            log.debug("Repo check of %s failed", each.name, exc_info=True)
        checks.append(check)
    requeue_overdue_chunks(collection=collection)
    return checks


def _recently_failed(collection: Collection, repo_id: int) -> bool:
    cutoff = timezone.now() - timedelta(seconds=RETRY_FAILED_REPO)
    return ResolutionRun.objects.filter(
        collection=collection, repo_id=repo_id, state=RunState.FAILED, started_at__gte=cutoff
    ).exists()


def check_collection(
    *,
    collection: Collection,
    sessions: KojiSessions,
    full: bool = False,
    force: bool = False,
    enqueue: bool = True,
) -> RepoCheck:
    """Handle one collection (spec 3.3).  Must not run inside a transaction.

    ``force`` re-resolves the latest repo even when it is not new (the operator
    command); ``full`` disables incremental reuse of stored install sets.
    """
    session = sessions.reading(collection)
    latest = koji.get_latest_repo(session, collection.build_tag)
    if latest is None:
        return RepoCheck(collection.name)
    repo_id = int(latest["id"])
    if collection.latest_repo_id is not None and repo_id < collection.latest_repo_id:
        return _went_backwards(collection, repo_id)
    is_new = collection.latest_repo_id is None or repo_id > collection.latest_repo_id
    if is_new or force:
        if not force and _recently_failed(collection, repo_id):
            return RepoCheck(collection.name, repo_id, error=collection.repo_error)
        return _new_repo(collection, repo_id, sessions, full=full, force=force, enqueue=enqueue)
    if collection.latest_repo_resolved:
        return _new_packages(collection, sessions, enqueue=enqueue)
    return RepoCheck(collection.name)


def _went_backwards(collection: Collection, repo_id: int) -> RepoCheck:
    """Koji's latest repo is older than the collection's: recorded as the repo error (the
    collection keeps its repo), not taken for "nothing to do"."""
    reason = (
        f"Koji's latest repo of {collection.build_tag} is {repo_id}, older than the "
        f"collection's latest repo {collection.latest_repo_id}"
    )
    changed = (
        Collection.objects.filter(pk=collection.pk)
        .exclude(repo_error=reason)
        .update(repo_error=reason)
    )
    if changed:
        log.warning("Collection %s: %s", collection.name, reason)
    return RepoCheck(collection.name, repo_id, error=reason)


class _UnusableRepo(Exception):
    """The repo cannot be used: it is dead, it has no build group, or it is suspicious."""


def _new_repo(
    collection: Collection,
    repo_id: int,
    sessions: KojiSessions,
    *,
    full: bool,
    force: bool,
    enqueue: bool,
) -> RepoCheck:
    """Take the repo: resolve its base buildroot, record it in the collection and start a
    run when the base buildroot resolves; a repo that cannot be used is recorded as such."""
    started = time.monotonic()
    source = RepoSource(collection, repo_id, sessions)
    try:
        group = _live_build_group(source)
        asked = time.monotonic()
        previous = _previous_repo_to_prepare(collection, repo_id, full=full, enqueue=enqueue)
        base, size = _resolve_base_buildroot(source, group, previous=previous)
        _refuse_suspicious(source, size, base)
    except (_UnusableRepo, RepoUnavailable) as exc:
        return _fail(collection, repo_id, str(exc))
    solved = time.monotonic()
    with transaction.atomic():
        locked = _record_repo(collection, repo_id, base, force=force)
        if locked is None:  # a concurrent check got there first
            return RepoCheck(collection.name, repo_id, lost_race=True)
        if enqueue and locked.secondary_mode:  # the primary mirrors it now, not at a poll
            transaction.on_commit(lambda: async_task(MAP_REPOS, collection.pk))
        run = None
        if base.resolved:
            run = _start_repo_run(locked, repo_id, group, size, full=full, enqueue=enqueue)
    log.info(
        "Collection %s: repo %s, base buildroot resolved=%s (Koji %.2f s, repo and base "
        "buildroot %.2f s, run %.2f s)",
        collection.name,
        repo_id,
        base.resolved,
        asked - started,
        solved - asked,
        time.monotonic() - solved,
    )
    return RepoCheck(collection.name, repo_id, base.resolved, run=run)


def _live_build_group(source: RepoSource) -> list[str]:
    """The repo's build group, from Koji; raises _UnusableRepo for a dead repo or when the
    collection has no build group at that repo."""
    collection, repo_id = source.collection, source.repo_id
    if koji.get_repo_info(source.sessions.reading(collection), repo_id) is None:
        raise _UnusableRepo(f"Repo {repo_id} of {collection.build_tag} is dead")
    group = inputs.build_group(source)
    if not group:
        raise _UnusableRepo(f"No build group found for {collection.name} at repo_id {repo_id}")
    return group


def _previous_repo_to_prepare(
    collection: Collection, repo_id: int, *, full: bool, enqueue: bool
) -> int | None:
    """The collection's previous repo when a worker should work out the change from it
    while this one resolves the base buildroot (an incremental run with workers follows);
    else None."""
    last_repo = collection.latest_repo_id
    if enqueue and not full and last_repo is not None and last_repo < repo_id:
        return last_repo
    return None


def _resolve_base_buildroot(
    source: RepoSource, group: list[str], *, previous: int | None
) -> tuple[GoalResult, int]:
    """Resolve the build group alone in the repo, and count the repo's packages; raises
    RepoUnavailable.

    With a ``previous`` repo, the repo is downloaded first and another worker loads the
    sack too and works out the change from ``previous`` meanwhile (``prepare_repo``): the
    triage chunks then start with both at hand.  Neither load then writes hawkey's solv
    cache (it would delay both); the next process to load the repo does.
    """
    if previous is not None:
        inputs.fetch(source)
        async_task("resolution.tasks.prepare_repo", source.collection.pk, source.repo_id, previous)
    with inputs.solver_for(source, build_cache=previous is None) as solver:
        return solver.run_goal([], group), len(solver.sack)


def suspicious_shrink() -> float:
    """``dependency.suspicious_repo_shrink``: the share of packages a repo may lose."""
    return float(settings.KOSCHEI["dependency"]["suspicious_repo_shrink"])


def _refuse_suspicious(source: RepoSource, size: int, base: GoalResult) -> None:
    """Raise _UnusableRepo for a repo that is valid but cannot be right: empty, without
    any of the build group's packages, or shrunk by more than the configured share since
    the last repo resolved.  Resolving it would turn every package unresolved."""
    collection, repo_id = source.collection, source.repo_id
    name = f"Repo {repo_id} of {collection.build_tag}"
    if size == 0:
        raise _UnusableRepo(f"{name} is empty (0 packages)")
    if base.resolved and not base.installs:
        raise _UnusableRepo(f"{name} has none of the build group's packages")
    last = (
        ResolutionRun.objects.filter(
            collection=collection, repo_id__lt=repo_id, repo_packages__gt=0
        )
        .exclude(state=RunState.FAILED)
        .order_by("-repo_id", "-id")
        .values_list("repo_id", "repo_packages")
        .first()
    )
    if last is None:
        return
    last_repo, before = last[0], int(last[1] or 0)
    share = suspicious_shrink()
    if before - size > share * before:
        raise _UnusableRepo(
            f"{name} lost {before - size} of the {before} packages of repo {last_repo} "
            f"(more than {share:.0%})"
        )


def _record_repo(
    collection: Collection, repo_id: int, base: GoalResult, *, force: bool
) -> Collection | None:
    """Make the repo the collection's latest, with its base buildroot's outcome and
    problems; the locked collection, or None when a concurrent check recorded this repo or
    a newer one.  Inside the caller's transaction."""
    locked = Collection.objects.select_for_update().get(pk=collection.pk)
    newest = locked.latest_repo_id
    if newest is not None and (newest > repo_id or (newest == repo_id and not force)):
        return None
    previous = locked.state_string
    _replace_buildroot_problems(locked, base.problems)
    locked.latest_repo_id = repo_id
    locked.latest_repo_resolved = base.resolved
    locked.repo_error = ""
    locked.save(update_fields=["latest_repo_id", "latest_repo_resolved", "repo_error"])
    send_collection_state_after_commit(locked.pk, previous, locked.state_string)
    return locked


def _replace_buildroot_problems(collection: Collection, problems: Sequence[str]) -> None:
    """Store the problems in their canonical order (the same however the sack was loaded)."""
    BuildrootProblem.objects.filter(collection=collection).delete()
    BuildrootProblem.objects.bulk_create(
        BuildrootProblem(collection=collection, problem=p) for p in canonical_problems(problems)
    )


def _start_repo_run(
    collection: Collection,
    repo_id: int,
    group: list[str],
    size: int,
    *,
    full: bool,
    enqueue: bool,
) -> ResolutionRun:
    """Start the run of every eligible package against the new repo (inside the caller's
    transaction): an incremental run sends them all to the triage once the collection has
    stored resolutions."""
    package_ids = eligible_packages(collection)
    triaged = not full and has_stored_resolutions(collection)
    return start_run(
        collection=collection,
        repo_id=repo_id,
        kind=RunKind.FULL if full else RunKind.INCREMENTAL,
        group=group,
        package_ids=[] if triaged else package_ids,
        triage=package_ids if triaged else [],
        enqueue=enqueue,
        repo_packages=size,
    )


def _fail(collection: Collection, repo_id: int, reason: str) -> RepoCheck:
    """Record why the repo cannot be used; the collection keeps its previous repo."""
    reason = " ".join(reason.split())
    with transaction.atomic():
        Collection.objects.filter(pk=collection.pk).update(repo_error=reason)
        ResolutionRun.objects.create(
            collection=collection,
            repo_id=repo_id,
            kind=RunKind.FULL,
            state=RunState.FAILED,
            error=reason,
            finished_at=timezone.now(),
        )
    log.warning("Collection %s: repo %s unusable: %s", collection.name, repo_id, reason)
    return RepoCheck(collection.name, repo_id, error=reason)


def _new_packages(collection: Collection, sessions: KojiSessions, *, enqueue: bool) -> RepoCheck:
    """Start a run for eligible packages never resolved, unless a run is under way."""
    repo_id = collection.latest_repo_id
    if repo_id is None or not eligible_packages(collection, unresolved_only=True):
        return RepoCheck(collection.name)
    if collection.resolution_runs.filter(state=RunState.RUNNING).exists():
        return RepoCheck(collection.name)
    last = (
        collection.resolution_runs.filter(repo_id=repo_id)
        .exclude(state=RunState.FAILED)
        .exclude(build_group=[])
        .first()
    )
    source = RepoSource(collection, repo_id, sessions)
    group = last.build_group if last else inputs.build_group(source)
    if not group:
        return RepoCheck(collection.name)
    with transaction.atomic():
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        if (
            locked.latest_repo_id != repo_id
            or locked.resolution_runs.filter(state=RunState.RUNNING).exists()
        ):
            return RepoCheck(collection.name)
        ids = eligible_packages(locked, unresolved_only=True)
        if not ids:
            return RepoCheck(collection.name)
        run = start_run(
            collection=locked,
            repo_id=repo_id,
            kind=RunKind.NEW_PACKAGES,
            group=group,
            package_ids=ids,
            enqueue=enqueue,
        )
    return RepoCheck(collection.name, repo_id, True, run=run)


@dataclass(frozen=True)
class RepoResolution:
    """The outcome of ``resolve_repo``: the check and the finished run (if any)."""

    check: RepoCheck
    run: ResolutionRun | None
    seconds: float

    def summary(self) -> str:
        """The stable summary line: ``packages=N changed=N problems=N seconds=S``."""
        run = self.run
        packages, changed, problems = (
            (run.packages, run.changed, run.problems) if run else (0, 0, 0)
        )
        return (
            f"packages={packages} changed={changed} problems={problems} seconds={self.seconds:.2f}"
        )


def resolve_repo(
    *,
    collection: Collection,
    sessions: KojiSessions,
    full: bool = False,
    progress: Callable[[int], None] | None = None,
    announce_total: Callable[[int], None] | None = None,
) -> RepoResolution:
    """Resolve the collection's latest repo here and now, chunk after chunk (operators).

    The repo is taken even when it is not new; ``full`` disables install-set reuse.
    Raises ServiceError when the repo cannot be used (``repo_error`` records why).
    """
    started = time.monotonic()
    check = check_collection(
        collection=collection, sessions=sessions, full=full, force=True, enqueue=False
    )
    if check.error:
        raise ServiceError(str(check))
    if check.lost_race:
        raise ServiceError(
            f"{collection.name}: a concurrent check-repos or resolve-repo recorded repo "
            f"{check.repo_id} or a newer one first; nothing resolved here"
        )
    if check.repo_id is None:
        raise ServiceError(f"{collection.name}: Koji has no ready repo for {collection.build_tag}")
    run = check.run
    if run is not None:
        if announce_total is not None:
            announce_total(sum(len(c.package_ids) for c in run.chunks.all()))
        run = run_in_process(run=run, sessions=sessions, progress=progress)
        if run.state == RunState.SUPERSEDED:
            raise ServiceError(_superseded(collection, run))
    return RepoResolution(check, run, time.monotonic() - started)


def _superseded(collection: Collection, run: ResolutionRun) -> str:
    """Why an in-process run stopped: a concurrent check or resolve-repo started another."""
    newer = collection.resolution_runs.filter(pk__gt=run.pk).order_by("id").first()
    by = f"run {newer.pk} of repo {newer.repo_id}" if newer else "a newer run"
    return (
        f"{collection.name}: run {run.pk} of repo {run.repo_id} was superseded by {by} "
        f"(a concurrent check-repos or resolve-repo); resolved here: packages={run.packages}"
    )
