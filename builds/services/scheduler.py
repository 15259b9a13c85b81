"""The scheduler: one decision per call, at most one scratch build (spec 3.2, section 8 fixed).

A decision walks the schedulable packages over ``priorities.build_threshold``, highest
priority first (``Package.objects.by_priority()``), and submits the first one whose SRPM
has an arch Koschei may build on and whose arches Koji is not too loaded for.  Unlike
upstream, a skip for a missing SRPM or for no arch left is committed (section 8.2, 8.3:
skip reason set, ``manual_priority`` lowered by 1000, trigger-owned pointers untouched),
and a loaded Koji holds back only that package's arches (section 8.4): the walk goes on.
Beyond upstream, the noise gates (``builds.services.noise``: snoozes, infrastructure
retries, failure backoff, builds per day) keep held packages out of the candidates, and
each package about to be submitted is asked for its holds once more.

No package is submitted twice for one decision, even by schedulers on several hosts: Koji
is read outside any transaction; then, under a transaction-scoped advisory lock, the
running-build limit and the package's priority are checked again and a
:class:`~builds.models.SubmissionClaim` is written and committed; only then is Koji's
``build`` called; the RUNNING build row is written and the claim deleted after it.  A
claimed package, like one with a running build, is no candidate, and a claim counts
against ``koji_config.max_builds``.  When Koji refuses, the claim is deleted, so the next
decision tries again.
"""

from __future__ import annotations

import enum
import logging
import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import takewhile
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from builds import koji
from builds.arches import koji_load
from builds.koji import KojiSessions
from builds.koji_submission import SubmissionUnclear
from builds.models import Build, SubmissionClaim
from builds.services import noise
from builds.services.repo_mappings import mapped_primary_repo
from builds.services.submit import (
    Submission,
    find_submitted,
    package_arches,
    prepare_submission,
    record_build,
    submit_prepared,
)
from packages.models import Package, PackageQuerySet
from packages.services.snooze import clear_expired_snoozes
from packages.states import SkipReason

logger = logging.getLogger(__name__)

#: advisory lock (class, object) serialising the scheduler's writes across processes and
#: hosts (resolution uses classes 1 and 2, like upstream)
SCHEDULER_LOCK = (3, 0)
#: what a skip for a missing SRPM or for no arch left takes off manual_priority (upstream)
SKIP_PENALTY = 1000
#: candidates loaded per query while a decision walks them
LOAD_BATCH = 5


class Outcome(enum.StrEnum):
    """What one decision did."""

    SUBMITTED = "submitted"
    WOULD_SUBMIT = "would-submit"  # dry run: the package a decision would submit
    DISABLED = "disabled"  # services.scheduler.enabled is false: a passive instance
    MAX_BUILDS = "max-builds"  # koji_config.max_builds builds are running (or claimed)
    NOTHING = "nothing"  # no package over the threshold passed the gates


@dataclass(frozen=True)
class Skip:
    """A package the decision passed over, and why."""

    package: str
    reason: str


@dataclass(frozen=True)
class ScheduleDecision:
    """What one call of :func:`schedule_build` decided and why."""

    outcome: Outcome
    package: str | None = None  # "name (collection)"
    package_id: int | None = None
    priority: float | None = None
    arches: tuple[str, ...] = ()
    task_id: int | None = None
    reason: str = ""
    skipped: tuple[Skip, ...] = field(default=())

    def summary(self) -> str:
        """One line for operators and logs."""
        parts = [self.outcome.value]
        if self.package:
            parts.append(f"package={self.package.replace(' ', '')}")
        if self.priority is not None:
            parts.append(f"priority={self.priority:.1f}")
        if self.arches:
            parts.append(f"arches={','.join(self.arches)}")
        if self.task_id is not None:
            parts.append(f"task={self.task_id}")
        parts.append(f"skipped={len(self.skipped)}")
        if self.reason:
            parts.append(f"reason={self.reason!r}")
        return " ".join(parts)


class ClaimSettled(Exception):
    """A scheduler's claim was settled by another while Koji's ``build`` ran longer than
    ``services.scheduler.claim_timeout`` and Koji's task had not been found."""


class Claim(enum.Enum):
    """What claiming a package for submission found under the lock."""

    CLAIMED = "claimed"
    TAKEN = "taken"  # another scheduler claimed or submitted it, or its priority fell
    FULL = "full"  # max_builds reached meanwhile


def scheduler_config() -> dict[str, Any]:
    return settings.KOSCHEI["services"]["scheduler"]


def build_threshold() -> float:
    return float(settings.KOSCHEI["priorities"]["build_threshold"])


def candidates(*, over_threshold: bool = True) -> PackageQuerySet:
    """Schedulable, unclaimed packages over the threshold no noise gate holds, highest
    priority first (with ``over_threshold`` false, the whole ranking: ``first_candidates``
    cuts it itself)."""
    # NOT IN over the few claims is one hashed lookup per package; the anti-join Django
    # makes of submission_claim__isnull became a nested loop over every schedulable
    # package, a third of the query's time (bench/scheduler).
    ranked = (
        Package.objects.by_priority()
        .unheld(timezone.now())
        .filter(~Q(pk__in=SubmissionClaim.objects.values("package_id")))
    )
    if over_threshold:
        ranked = ranked.filter(Q(current_priority__gte=build_threshold()))
    return ranked


def first_candidates(limit: int) -> Iterator[Package]:
    """The first ``limit`` candidates, in order, with their collection and last complete
    build.

    The priority query returns ids only, so PostgreSQL does not join the rows
    select_related needs for every schedulable package before its LIMIT; the packages are
    then loaded a few at a time, as the walk reaches them (it mostly stops at the first).
    The threshold is applied here, to the ranking's first rows (the candidates are its
    prefix over the threshold): in SQL it cost a second evaluation of the priority of
    every schedulable package (bench/scheduler).
    """
    threshold = build_threshold()
    ranking = candidates(over_threshold=False).values_list("id", F("current_priority"))[:limit]
    picked = list(takewhile(lambda row: row[1] >= threshold, ranking))
    for start in range(0, len(picked), LOAD_BATCH):
        batch = dict(picked[start : start + LOAD_BATCH])
        rows = Package.objects.filter(pk__in=batch).select_related(
            "collection", "last_complete_build"
        )
        for package in sorted(rows, key=lambda p: (-batch[p.pk], p.pk)):
            package.current_priority = batch[package.pk]  # type: ignore[attr-defined]
            yield package


def busy_builds() -> int:
    """Running builds plus claims (submissions in flight), across all collections."""
    return Build.objects.running().count() + SubmissionClaim.objects.count()


def max_builds() -> int:
    return int(settings.KOSCHEI["koji_config"]["max_builds"])


def schedule_build(*, sessions: KojiSessions, dry_run: bool = False) -> ScheduleDecision:
    """Make one scheduling decision and submit at most one scratch build.

    Must not run inside a transaction (Koji is called); safe to run in several processes
    and hosts at once.  ``dry_run`` reads Koji and the database and writes nothing.
    """
    if not scheduler_config().get("enabled", True):
        return ScheduleDecision(Outcome.DISABLED, reason="services.scheduler.enabled is false")
    if not dry_run:
        settle_claims(sessions=sessions)
        clear_expired_snoozes()
    if busy_builds() >= max_builds():
        return ScheduleDecision(Outcome.MAX_BUILDS, reason=f"{max_builds()} builds running")
    limit = int(scheduler_config().get("max_candidates") or 50)
    gates = Gates(sessions, dry_run=dry_run)
    skipped: list[Skip] = []
    for package in first_candidates(limit):
        held = noise.hold_reason(package, persist=not dry_run)
        if held:
            skipped.append(Skip(str(package), held))
            continue
        arches, reason = gates.check(package)
        if arches is None:
            skipped.append(Skip(str(package), reason))
            continue
        decision = ScheduleDecision(
            Outcome.WOULD_SUBMIT,
            package=str(package),
            package_id=package.pk,
            priority=getattr(package, "current_priority", None),
            arches=tuple(sorted(arches)),
            skipped=tuple(skipped),
        )
        if dry_run:
            return decision
        done = _claim_and_submit(package, arches, sessions, decision, skipped)
        if done is not None:
            return done
    return ScheduleDecision(Outcome.NOTHING, skipped=tuple(skipped))


def _claim_and_submit(
    package: Package,
    arches: set[str],
    sessions: KojiSessions,
    decision: ScheduleDecision,
    skipped: list[Skip],
) -> ScheduleDecision | None:
    """The decision for a package that passed the gates; None to go on with the next one."""
    claim = claim_package(package)
    if claim is Claim.FULL:
        return ScheduleDecision(
            Outcome.MAX_BUILDS, reason=f"{max_builds()} builds running", skipped=tuple(skipped)
        )
    if claim is Claim.TAKEN:
        skipped.append(Skip(str(package), "taken by another scheduler"))
        return None
    try:
        build = submit_claimed(package, arches, sessions)
    except ClaimSettled as exc:
        skipped.append(Skip(str(package), str(exc)))
        return None
    if build is None:
        persist_skip(package, SkipReason.NO_SRPM)
        skipped.append(Skip(str(package), "no SRPM tagged in the destination tag"))
        return None
    return ScheduleDecision(
        Outcome.SUBMITTED,
        package=decision.package,
        package_id=package.pk,
        priority=decision.priority,
        arches=decision.arches,
        task_id=build.task_id,
        skipped=tuple(skipped),
    )


class Gates:
    """Koji's answers a decision needs, each asked once per decision: a package's arches
    (tag arches, SRPM headers, arch override) and the load of the hosts for them."""

    def __init__(self, sessions: KojiSessions, *, dry_run: bool = False) -> None:
        self.sessions = sessions
        self.dry_run = dry_run
        self.threshold = float(settings.KOSCHEI["koji_config"]["load_threshold"])
        self._hosts: dict[tuple[str, ...], list[dict[str, Any]]] = {}

    def check(self, package: Package) -> tuple[set[str] | None, str]:
        """(arches to build on, "") for a package that may be submitted now, else
        (None, why); skips for a missing SRPM or no arch left are persisted (not in a dry
        run)."""
        collection = package.collection
        if collection.secondary_mode and mapped_primary_repo(collection) is None:
            # held, not skipped: the primary repo comes (builds.services.repo_mappings)
            return None, f"no primary repo mapped to secondary repo {collection.latest_repo_id}"
        arches = package_arches(package=package, sessions=self.sessions)
        if not arches:
            reason = SkipReason.NO_SRPM if arches is None else SkipReason.NO_ARCH
            if not self.dry_run:
                persist_skip(package, reason)
            return None, reason.label
        if self.threshold < 1:
            load = self.load(package, arches)
            if load > self.threshold:
                held = ",".join(sorted(arches))
                return None, f"koji load {load:.2f} over {self.threshold} on {held}"
        return arches, ""

    def load(self, package: Package, arches: Iterable[str]) -> float:
        all_arches = koji.get_build_arches(self.sessions.primary, package.collection.build_tag)
        key = tuple(sorted(all_arches))
        if key not in self._hosts:
            self._hosts[key] = koji.get_hosts(self.sessions.primary, all_arches)
        return koji_load(hosts=self._hosts[key], all_arches=all_arches, arches=arches)


def lock_scheduling() -> None:
    """Serialise with every scheduler until the transaction ends (must run inside one)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(SCHEDULER_LOCK))


def _still_a_candidate(package: Package) -> bool:
    return candidates().filter(pk=package.pk).exists()


def claim_package(package: Package) -> Claim:
    """Claim a package for submission, serialised with every other scheduler (committed)."""
    with transaction.atomic():
        lock_scheduling()
        if busy_builds() >= max_builds():
            return Claim.FULL
        if not _still_a_candidate(package):
            return Claim.TAKEN
        SubmissionClaim.objects.create(
            package=package,
            claimed_at=timezone.now(),
            owner=f"{socket.gethostname()}:{os.getpid()}",
        )
    return Claim.CLAIMED


def submit_claimed(package: Package, arches: set[str], sessions: KojiSessions) -> Build | None:
    """Submit a claimed package (Koji outside any transaction), then drop the claim.

    What is submitted is kept in the claim before Koji's ``build`` is called.  A build
    Koji refused drops the claim, so a later decision tries again; when Koji may have made
    the task and cannot say (``SubmissionUnclear``), the claim stays, marked, for
    :func:`settle_claims`.  The build row is written and the claim deleted in one
    transaction.  A claim settled by another scheduler while ``build`` ran (it outlived
    ``claim_timeout``) keeps the build that settlement recorded, or, if it found no task
    and so freed the package, its task is recorded with a cancel request, which the build
    sync carries out (``ClaimSettled``): never two builds, and no task untracked.
    """
    claims = SubmissionClaim.objects.filter(package=package)
    try:
        submission = prepare_submission(
            package=package,
            sessions=sessions,
            arch_override=None if "noarch" in arches else arches,
        )
        if submission is not None:
            claims.update(submission=submission.as_json())
            task_id = submit_prepared(submission=submission, sessions=sessions)
    except SubmissionUnclear:
        claims.update(outcome_unknown=True)
        raise
    except BaseException:
        claims.delete()
        raise
    if submission is None:
        claims.delete()
        return None
    with transaction.atomic():
        settled = not claims.select_for_update().exists()
        found = Build.objects.filter(package=package, task_id=task_id).exists()
        build = record_build(package=package, submission=submission, task_id=task_id)
        late = settled and not found  # settled as made by nobody: the package is free again
        if late:
            Build.objects.filter(pk=build.pk).update(cancel_requested=True)
        elif not settled:
            Package.objects.filter(pk=package.pk).update(
                scheduler_skip_reason=None, manual_priority=0
            )
            claims.delete()
    if late:
        raise ClaimSettled(f"claim settled while Koji made task {task_id}; cancel requested")
    logger.info("scheduled %s: task %s on %s", package, build.task_id, ",".join(sorted(arches)))
    return build


def persist_skip(package: Package, reason: SkipReason) -> None:
    """Record why a package cannot be built and drop it below the threshold (committed).

    Under the scheduler's lock and only while the package is still a candidate, so two
    schedulers skipping it at once take the penalty off once.
    """
    with transaction.atomic():
        lock_scheduling()
        if _still_a_candidate(package):
            Package.objects.filter(pk=package.pk).update(
                scheduler_skip_reason=reason, manual_priority=F("manual_priority") - SKIP_PENALTY
            )
    logger.info("scheduler skipped %s: %s", package, reason.label)


def expire_claims() -> list[SubmissionClaim]:
    """Drop the stale claims that never reached Koji's ``build`` (the database part of
    :func:`settle_claims`); the claims to look for in Koji: stale or outcome unknown."""
    timeout = timedelta(seconds=float(scheduler_config().get("claim_timeout") or 3600))
    stale = SubmissionClaim.objects.filter(
        Q(claimed_at__lt=timezone.now() - timeout) | Q(outcome_unknown=True)
    )
    count, _ = stale.filter(submission__isnull=True).delete()
    if count:
        logger.warning("dropped %d stale submission claims", count)
    return list(stale.select_related("package__collection"))


def settle_claims(*, sessions: KojiSessions) -> int:
    """Settle the claims of schedulers that died mid-submission, or whose submission's
    outcome was unknown: a task Koji made for one becomes its RUNNING build, never a second
    submission; a claim Koji has no task for is dropped.  Returns the claims settled.

    A Koji failure raises KojiError and leaves the claims to the next decision.
    """
    settled = 0
    for claim in expire_claims():
        submission = Submission.from_json(claim.submission or {})
        task_id = find_submitted(submission=submission, sessions=sessions)
        with transaction.atomic():
            if not SubmissionClaim.objects.select_for_update().filter(pk=claim.pk).exists():
                continue  # another scheduler settled it meanwhile
            if task_id is not None:
                record_build(package=claim.package, submission=submission, task_id=task_id)
                Package.objects.filter(pk=claim.pk).update(
                    scheduler_skip_reason=None, manual_priority=0
                )
            SubmissionClaim.objects.filter(pk=claim.pk).delete()
        settled += 1
        logger.warning(
            "settled the claim on %s of %s: %s",
            claim.package,
            claim.owner,
            f"Koji made task {task_id}" if task_id else "Koji made no task",
        )
    return settled
