""" "Why and when will this build?": a package's priority term by term, its place in the
scheduler's queue, and every gate holding it back (DESIGN 13.4).

Everything here is asked of the scheduler's own code, never recomputed: the queue is
``scheduler.candidates()``, the noise gates ``noise.package_holds``, the running-build
limit ``scheduler.busy_builds``/``max_builds``, the secondary-mode and Koji gates
``scheduler.Gates``.  Koji's answers (SRPM arches, host load) cost Koji calls, so they are
asked only when the caller passes Koji sessions (the API's ``?koji=1``); the page shows the
rest, which needs only the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from builds.koji import KojiSessions
from builds.services import noise, scheduler
from builds.services.repo_mappings import mapped_primary_repo
from packages.models import Package
from packages.models.package import configured_curve
from packages.priority import time_priority


@dataclass(frozen=True)
class PriorityTerms:
    """The terms of spec 3.1's priority; ``total`` is the scheduler's SQL value."""

    dependency: int
    time: float
    failed: int
    manual: int
    static: int
    coefficient: float
    total: float


@dataclass(frozen=True)
class GateState:
    name: str
    holding: bool
    detail: str
    until: datetime | None = None


@dataclass
class Explanation:
    package: str
    collection: str
    priority: PriorityTerms | None
    threshold: float
    position: int | None  # 1 = the scheduler's next candidate; None: not in the queue
    gates: list[GateState] = field(default_factory=list)
    koji_checked: bool = False

    @property
    def holding(self) -> list[GateState]:
        return [gate for gate in self.gates if gate.holding]

    @property
    def verdict(self) -> str:
        if self.holding:
            names = ", ".join(gate.name for gate in self.holding)
            return f"held back by: {names}"
        if self.position == 1:
            return "next: the scheduler submits it at its next decision"
        if self.position is not None:
            return f"waiting: {self.position - 1} packages are ahead of it in the queue"
        return "not in the queue"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = self.verdict
        for gate in data["gates"]:
            gate["until"] = gate["until"].isoformat() if gate["until"] else None
        return data


def priority_terms(package: Package, *, now: datetime) -> PriorityTerms | None:
    """The terms of a schedulable package's priority (None when it has none)."""
    total = getattr(package, "current_priority", None)
    if total is None or package.last_build is None:
        return None
    hours = (now - package.last_build.started).total_seconds() / 3600
    return PriorityTerms(
        dependency=package.dependency_priority,
        time=round(time_priority(hours, configured_curve()), 1),
        failed=package.build_priority,
        manual=package.manual_priority,
        static=package.static_priority,
        coefficient=package.collection.priority_coefficient,
        total=round(float(total), 1),
    )


def queue_position(package: Package) -> int | None:
    """1-based place among the scheduler's candidates, in its order; None when absent."""
    queue = scheduler.candidates()
    mine = queue.filter(pk=package.pk).values_list("current_priority", flat=True).first()  # type: ignore[misc]
    if mine is None:
        return None
    before = Q(current_priority__gt=mine) | Q(current_priority=mine, pk__lt=package.pk)
    ahead = queue.filter(before)
    return int(ahead.count()) + 1


def explain(
    package: Package, *, sessions: KojiSessions | None = None, now: datetime | None = None
) -> Explanation:
    """Why ``package`` is (not) the scheduler's next build, and what holds it back."""
    now = now or timezone.now()
    package = (
        Package.objects.with_priority()
        .select_related("collection", "last_build", "base")
        .get(pk=package.pk)
    )
    terms = priority_terms(package, now=now)
    threshold = scheduler.build_threshold()
    busy, limit = scheduler.busy_builds(), scheduler.max_builds()
    gates = [
        GateState(
            "passive instance",
            not scheduler.scheduler_config().get("enabled", True),
            "this instance's scheduler is off (services.scheduler.enabled)",
        ),
        *(GateState("not schedulable", True, reason) for reason in package.skip_reasons()),
        GateState(
            "threshold",
            terms is not None and terms.total < threshold,
            f"priority {terms.total if terms else 'none'} against the threshold {threshold:g}",
        ),
        GateState(
            "max running builds",
            busy >= limit,
            f"{busy} of {limit} builds running",
        ),
    ]
    gates += [
        GateState(hold.gate.value, True, hold.reason, hold.until)
        for hold in noise.package_holds(package, now=now)
    ]
    collection = package.collection
    if collection.secondary_mode:
        mapped = mapped_primary_repo(collection)
        gates.append(
            GateState(
                "primary repo",
                mapped is None,
                f"secondary repo {collection.latest_repo_id} mapped to primary repo {mapped}",
            )
        )
    explanation = Explanation(
        package=package.name,
        collection=collection.name,
        priority=terms,
        threshold=threshold,
        position=queue_position(package),
        gates=gates,
    )
    if sessions is not None and not explanation.holding:
        arches, reason = scheduler.Gates(sessions, dry_run=True).check(package)
        detail = reason or "builds on " + ", ".join(sorted(arches or ()))
        explanation.gates.append(GateState("koji", arches is None, detail))
        explanation.koji_checked = True
    return explanation
