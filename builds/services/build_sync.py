"""Running scratch builds followed in Koji until they end (spec 3.6, 3.9; 8.1 and 8.13 fixed).

Koji is read first, outside any transaction: task infos and children of a chunk of builds
in two multicalls, then the Koji cancels and infrastructure checks that chunk needs.  Each
build is then written in a short transaction of its own, holding its row lock (then its
package's, the project's lock order) and re-checking that it is still running, so two
pollers (or a poller and a message) never apply the same end twice.  A finished build's
package state change is sent after its commit; once a chunk's builds are written, the
build resolver is enqueued (by name, after commit) once per collection with finished builds.

Builds Koschei canceled (on request or after ``koji_config.task_timeout``) and finished
ones without a repo (they could never be resolved) are deleted, as upstream does.  A build
Koji failed (DESIGN 13.3, unlike upstream, which deletes it) is kept as FAILED with
``infra_failure`` saying why: a fault of Koji's (``koji.task_failed_on_infrastructure``),
a task Koji no longer knows, or one canceled in Koji by someone else.  It is never a
package failure: the database triggers pass over it, so the package keeps its state,
last complete build and priorities, and the scheduler retries it after a backoff.  Every
build's end brings its package's stored backoff up to date (``noise.refresh_backoff``).
"""

from __future__ import annotations

import enum
import functools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from builds import koji
from builds.koji import KojiSessions
from builds.models import Build
from builds.models.build import INFRA_FAILURE_MAX
from builds.services.noise import refresh_backoff
from builds.services.real_builds import clear_priority_data
from builds.services.task_trees import TaskTree, apply_tree, fetch_task_trees, upsert_koji_tasks
from packages.models import Package
from packages.priority import failed_build_bonus
from packages.signals import send_package_states_after_commit
from packages.states import BuildState, KojiTaskState

logger = logging.getLogger(__name__)

FINISHED_TASK_STATES = {
    KojiTaskState.CLOSED: BuildState.COMPLETE,
    KojiTaskState.FAILED: BuildState.FAILED,
}


class Outcome(enum.Enum):
    """What one poll did to one build."""

    RUNNING = "running"  # still running in Koji (times, repo and tasks updated)
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELED = "canceled"  # deleted: canceled on request or after the timeout
    INFRASTRUCTURE = "infrastructure"  # kept as an infra failure: Koji failed or canceled it
    VANISHED = "vanished"  # kept as an infra failure: Koji does not know the task
    NO_REPO = "no_repo"  # deleted: finished without a repo, so it cannot be resolved
    SKIPPED = "skipped"  # no longer running here: another poller got there first


@dataclass
class SyncFigures:
    """What a poll did, by outcome."""

    outcomes: Counter[Outcome] = field(default_factory=Counter)

    def __getitem__(self, outcome: Outcome) -> int:
        return self.outcomes[outcome]

    @property
    def polled(self) -> int:
        return self.outcomes.total()

    @property
    def finished(self) -> int:
        return self.outcomes[Outcome.COMPLETE] + self.outcomes[Outcome.FAILED]

    def __str__(self) -> str:
        counts = " ".join(f"{o.value}={self.outcomes[o]}" for o in Outcome)
        return f"polled={self.polled} {counts}"


@dataclass(frozen=True)
class Polled:
    """A running build as read before Koji was asked (no lock held)."""

    build_id: int
    task_id: int
    collection_id: int
    cancel: bool  # canceled on request or after the timeout


@dataclass(frozen=True)
class Verdict:
    """What Koji said about one build's task."""

    outcome: Outcome
    tree: TaskTree | None = None
    infra_failure: str = ""  # why Koji, not the package, failed the build


def sync_builds(*, sessions: KojiSessions, task_id: int | None = None) -> SyncFigures:
    """Poll every running build (or those of one Koji task) and apply what Koji says.

    Idempotent; must not run inside a transaction (Koji is read between the per-build
    transactions).  A Koji failure raises KojiError: the builds of the chunk it hit stay
    running, untouched, and the next poll takes them up again.
    """
    polled = _running_builds(task_id)
    chunk = int(sessions.config().get("multicall_chunk_size") or 100)
    figures = SyncFigures()
    for start in range(0, len(polled), chunk):
        part = polled[start : start + chunk]
        verdicts = _ask_koji(sessions, part)
        finished: set[int] = set()
        try:
            for build, verdict in zip(part, verdicts, strict=True):
                outcome = _apply(build, verdict)
                figures.outcomes[outcome] += 1
                if outcome in (Outcome.COMPLETE, Outcome.FAILED):
                    finished.add(build.collection_id)
        finally:
            _resolve_after_commit(finished)
    return figures


def _resolve_after_commit(collection_ids: set[int]) -> None:
    """Enqueue the build resolver once per collection whose builds just finished."""
    for collection_id in sorted(collection_ids):
        transaction.on_commit(
            functools.partial(async_task, "resolution.tasks.resolve_builds", collection_id),
            robust=True,
        )


def _running_builds(task_id: int | None) -> list[Polled]:
    # Read once, as a list: the builds and their task infos stay aligned (spec 8.13).
    timeout = int(settings.KOSCHEI["koji_config"].get("task_timeout") or 0)
    deadline = timezone.now() - timedelta(seconds=timeout) if timeout else None
    builds = Build.objects.running().order_by("pk")
    if task_id is not None:
        builds = builds.filter(task_id=task_id)
    return [
        Polled(pk, task, collection, requested or (deadline is not None and started < deadline))
        for pk, task, collection, requested, started in builds.values_list(
            "pk", "task_id", "package__collection_id", "cancel_requested", "started"
        )
    ]


def _ask_koji(sessions: KojiSessions, builds: Sequence[Polled]) -> list[Verdict]:
    """Task trees of the builds, then the cancels and infrastructure checks they call for."""
    reading = sessions.for_reading()
    trees = fetch_task_trees(reading, [b.task_id for b in builds])
    return [_verdict(sessions, build, tree) for build, tree in zip(builds, trees, strict=True)]


def _verdict(sessions: KojiSessions, build: Polled, tree: TaskTree | None) -> Verdict:
    if tree is None:
        return Verdict(Outcome.VANISHED, infra_failure="task unknown to Koji")
    state = KojiTaskState(tree.state)
    if state == KojiTaskState.CANCELED and not build.cancel:
        return Verdict(Outcome.INFRASTRUCTURE, tree, "task canceled in Koji")
    if state == KojiTaskState.CANCELED:
        return Verdict(Outcome.CANCELED, tree)
    if build.cancel and state not in FINISHED_TASK_STATES:
        koji.cancel_task(sessions.primary, build.task_id)
        return Verdict(Outcome.CANCELED, tree)
    if state not in FINISHED_TASK_STATES:
        return Verdict(Outcome.RUNNING, tree)
    if state == KojiTaskState.FAILED:
        fault = koji.task_failed_on_infrastructure(sessions.for_reading(), build.task_id)
        if fault:
            return Verdict(Outcome.INFRASTRUCTURE, tree, fault)
    outcome = Outcome.COMPLETE if state == KojiTaskState.CLOSED else Outcome.FAILED
    return Verdict(outcome, tree)


INFRA_FAILURES = frozenset({Outcome.INFRASTRUCTURE, Outcome.VANISHED})


@transaction.atomic
def _apply(polled: Polled, verdict: Verdict) -> Outcome:
    """Write one build's verdict, holding its row lock; SKIPPED when it no longer runs."""
    build = (
        Build.objects.select_for_update(of=("self",))
        .filter(pk=polled.build_id, state=BuildState.RUNNING)
        .first()
    )
    if build is None:
        return Outcome.SKIPPED
    tree = verdict.tree
    if verdict.outcome in INFRA_FAILURES:
        _record_infra_failure(build, verdict)
        return verdict.outcome
    if verdict.outcome is Outcome.CANCELED or tree is None:
        _delete(build, verdict.outcome)
        return verdict.outcome
    finished = verdict.outcome is not Outcome.RUNNING
    known = (build.started, build.finished, build.repo_id)
    apply_tree(build, tree, finished_state=finished)
    if finished and build.repo_id is None:
        _delete(build, Outcome.NO_REPO)
        return Outcome.NO_REPO
    upsert_koji_tasks([(build, tree)])
    if finished:
        complete = verdict.outcome is Outcome.COMPLETE
        _finish(build, BuildState.COMPLETE if complete else BuildState.FAILED)
    elif (build.started, build.finished, build.repo_id) != known:
        build.save(update_fields=["started", "finished", "repo_id"])
    return verdict.outcome


def _delete(build: Build, outcome: Outcome) -> None:
    logger.info("build %s (task %s) deleted: %s", build.pk, build.task_id, outcome.value)
    package_id = build.package_id
    build.delete()
    refresh_backoff([package_id])


def _record_infra_failure(build: Build, verdict: Verdict) -> None:
    """Keep a build Koji failed as an infrastructure failure, which counts for nothing.

    Its tasks are kept when Koji still knows them; a dependency set the build resolver
    may have read while it ran is dropped, so it never serves as a comparison baseline.
    """
    if verdict.tree is not None:
        apply_tree(build, verdict.tree, finished_state=True)
        upsert_koji_tasks([(build, verdict.tree)])
    else:
        build.finished = timezone.now()
    build.state = BuildState.FAILED
    build.infra_failure = verdict.infra_failure[:INFRA_FAILURE_MAX]
    build.deps_resolved, build.dependency_keys = None, None
    build.save(
        update_fields=[
            "state",
            "infra_failure",
            "started",
            "finished",
            "repo_id",
            "deps_resolved",
            "dependency_keys",
        ]
    )
    refresh_backoff([build.package_id])
    logger.warning(
        "build %s (task %s) failed on Koji's side: %s", build.pk, build.task_id, build.infra_failure
    )


def _finish(build: Build, state: BuildState) -> None:
    """Record a build's end: the package's priorities reset, the failed-build bonus, and
    its state change sent once this transaction commits."""
    package = Package.objects.select_for_update().get(pk=build.package_id)
    previous = package.msg_state_string
    clear_priority_data([package.pk])
    build.state = state
    build.save(update_fields=["state", "started", "finished", "repo_id"])
    if state == BuildState.FAILED:
        bonus = failed_build_bonus(
            _previous_build_state(build),
            failed_build_priority=int(settings.KOSCHEI["priorities"]["failed_build_priority"]),
            failed_state=BuildState.FAILED,
        )
        Package.objects.filter(pk=package.pk).update(build_priority=bonus)
    package.refresh_from_db()  # the triggers moved its last-build pointers
    refresh_backoff([package.pk])
    send_package_states_after_commit([(package.pk, previous, package.msg_state_string)])


def _previous_build_state(build: Build) -> int | None:
    """The state of the same package's build started last before this one (spec 8.1 fixed);
    of two started at the same time, the one inserted first is the earlier."""
    earlier = Q(started__lt=build.started) | Q(started=build.started, pk__lt=build.pk)
    return (
        Build.objects.filter(earlier, package_id=build.package_id, infra_failure="")
        .order_by("-started", "-pk")
        .values_list("state", flat=True)
        .first()
    )
