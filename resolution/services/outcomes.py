"""Resolving a chunk of packages against one repo, without writing anything (spec 3.4).

Reads packages, BuildRequires (cache, else Koji) and stored install sets, resolves each
package (or, incrementally, reuses its install set when the repo change cannot affect it)
and computes its dependency changes against the comparison baseline.  The caller
persists the outcomes in one transaction (``resolution.services.persist``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from builds.dependency_keys import decode_keys
from builds.koji import KojiSessions
from packages.models import Collection, Package
from packages.states import BuildState
from resolution.depsolve import (
    ChangeImpact,
    DependencyChange,
    Depsolver,
    Nevra,
    Resolution,
    dependency_changes,
    dependency_priority,
    diff_sacks,
)
from resolution.models import PackageResolution
from resolution.services import inputs
from resolution.services.dependencies import dependency_nevras
from resolution.services.inputs import RepoUnavailable

log = logging.getLogger(__name__)


@dataclass
class PackageOutcome:
    """One package's resolution and what follows from it, as read before persisting."""

    package_id: int
    last_build_id: int | None
    resolution: Resolution
    digest: str
    reused: bool
    changes: list[DependencyChange] = field(default_factory=list)
    priority: int = 0
    baseline_build_id: int | None = None
    # the stored outcome still holds (same install set, last build and baseline): only
    # the repo it was resolved on moves forward
    unchanged: bool = False


@dataclass
class ChunkOutcomes:
    """Every outcome of a chunk, and the packages that had to be left out."""

    outcomes: list[PackageOutcome]
    skipped: list[int]


def eligible_packages(collection: Collection, *, unresolved_only: bool = False) -> list[int]:
    """Ids of the packages repo resolution covers: tracked, unblocked, built, not skipped.

    ``unresolved_only``: just those never resolved (``resolved IS NULL``).
    """
    packages = Package.objects.filter(
        collection=collection,
        blocked=False,
        tracked=True,
        skip_resolution=False,
        last_complete_build__isnull=False,
    )
    if unresolved_only:
        packages = packages.filter(resolved__isnull=True)
    return list(packages.order_by("id").values_list("id", flat=True))


def _srpm(package: Package) -> dict[str, object] | None:
    build = package.last_complete_build
    if build is None or not build.version or not build.release:
        return None
    return {"name": package.name, "version": build.version, "release": build.release, "arch": "src"}


def resolve_packages(
    *,
    collection: Collection,
    repo_id: int,
    group: Sequence[str],
    package_ids: Sequence[int],
    sessions: KojiSessions,
    incremental: bool,
) -> ChunkOutcomes:
    """Resolve the packages against the repo; raises RepoUnavailable when it cannot be had."""
    packages = list(
        Package.objects.filter(pk__in=package_ids, last_complete_build__isnull=False)
        .select_related("last_complete_build")
        .order_by("id")
    )
    srpms = {p.id: _srpm(p) for p in packages}
    requires = inputs.build_requires(
        collection, [s for s in srpms.values() if s is not None], sessions
    )
    skipped = [pid for pid in package_ids if pid not in {p.id for p in packages}]
    work: list[tuple[Package, str, list[str]]] = []
    for package in packages:
        srpm = srpms[package.id]
        key = inputs.nvra_key(srpm) if srpm else None
        if key is None or key not in requires:
            skipped.append(package.id)
        else:
            work.append((package, key, requires[key]))
    stored = (
        {r.package_id: r for r in PackageResolution.objects.filter(package_id__in=package_ids)}
        if incremental
        else {}
    )
    baselines = baseline_keys([p.id for p, _, _ in work])
    with inputs.solver_for(collection, repo_id, sessions) as solver:
        impacts = _impacts(collection, repo_id, stored, solver, sessions)
        nevras = dependency_nevras(i for r in stored.values() for i in r.install_set)
        outcomes = []
        for package, key, brs in work:
            digest = inputs.inputs_digest(key, brs, group)
            previous = stored.get(package.id)
            baseline_id = baselines[package.id][0] if package.id in baselines else None
            resolution = None
            if previous is not None and previous.inputs_digest == digest:
                if _still_holds(previous, package, baseline_id, nevras, impacts, brs, group):
                    outcomes.append(
                        PackageOutcome(
                            package.id,
                            package.last_build_id,
                            STORED,
                            digest,
                            reused=True,
                            baseline_build_id=baseline_id,
                            unchanged=True,
                        )
                    )
                    continue
                resolution = _reuse(solver, previous, nevras, impacts, brs, group)
            reused = resolution is not None
            if resolution is None:
                resolution = solver.resolve(brs, list(group))
            outcomes.append(
                PackageOutcome(package.id, package.last_build_id, resolution, digest, reused)
            )
    _add_changes([o for o in outcomes if not o.unchanged], baselines)
    return ChunkOutcomes(outcomes, skipped)


#: the outcome of a package whose stored result still holds (nothing is recomputed)
STORED = Resolution(True, [], None, None)


def _still_holds(
    previous: PackageResolution,
    package: Package,
    baseline_id: int | None,
    nevras: dict[int, Nevra],
    impacts: dict[int, ChangeImpact | None],
    brs: Sequence[str],
    group: Sequence[str],
) -> bool:
    """Whether a package's stored outcome is still exact, so nothing needs recomputing.

    Same inputs (checked by the caller), an install set the repo change cannot touch
    (hence the same distances), and the same last build and comparison baseline (hence
    the same changes and dependency priority) as when it was stored.
    """
    if package.resolved is not True or previous.last_build_id != package.last_build_id:
        return False
    if previous.baseline_build_id != baseline_id:
        return False
    if previous.repo_id not in impacts:
        return True  # resolved on this very repo
    impact = impacts[previous.repo_id]
    members = [nevras.get(i) for i in previous.install_set]
    if impact is None or any(m is None for m in members):
        return False
    install = tuple(sorted(m for m in members if m is not None))
    return not impact.may_affect(install, brs, group)


# The diff between two repos and its index are the same for every chunk of a run: a
# worker process keeps the last few (keyed by both solvers, which are kept per process).
# Entries hold both solvers, so their ids cannot be reused while the entry lives.
IMPACTS_KEPT = 1
_impact_cache: OrderedDict[tuple[int, int], tuple[Depsolver, Depsolver, ChangeImpact]] = (
    OrderedDict()
)


def _impacts(
    collection: Collection,
    repo_id: int,
    stored: dict[int, PackageResolution],
    solver: Depsolver,
    sessions: KojiSessions,
) -> dict[int, ChangeImpact | None]:
    """ChangeImpact from each previous repo of the chunk's packages to this one.

    None where the previous repo cannot be had any more (its packages are re-resolved).
    """
    impacts: dict[int, ChangeImpact | None] = {}
    for old in sorted({r.repo_id for r in stored.values()} - {repo_id}):
        try:
            with inputs.solver_for(collection, old, sessions) as previous:
                impacts[old] = _impact(previous, solver)
        except RepoUnavailable as exc:
            log.info("Previous repo %s unavailable, resolving in full: %s", old, exc)
            impacts[old] = None
    return impacts


def _impact(previous: Depsolver, current: Depsolver) -> ChangeImpact:
    key = (id(previous), id(current))
    if key not in _impact_cache:
        diff = diff_sacks(previous.sack, current.sack)
        impact = ChangeImpact(current.sack, diff, ignore_weak_deps=current.ignore_weak_deps)
        _impact_cache[key] = (previous, current, impact)
        while len(_impact_cache) > IMPACTS_KEPT:
            _impact_cache.popitem(last=False)
    _impact_cache.move_to_end(key)
    return _impact_cache[key][2]


def _reuse(
    solver: Depsolver,
    previous: PackageResolution,
    nevras: dict[int, Nevra],
    impacts: dict[int, ChangeImpact | None],
    brs: Sequence[str],
    group: Sequence[str],
) -> Resolution | None:
    """The stored install set with fresh distances, or None when it must be re-resolved."""
    members = [nevras.get(i) for i in previous.install_set]
    if any(m is None for m in members):
        return None
    install = tuple(sorted(m for m in members if m is not None))
    if previous.repo_id in impacts:  # resolved on another repo: did the change touch it?
        impact = impacts[previous.repo_id]
        if impact is None or impact.may_affect(install, brs, group):
            return None
    try:
        return solver.reuse(install, list(brs))
    except KeyError:
        return None


# --- comparison baselines and changes ------------------------------------------------------

BASELINES = """
    SELECT p.id, lb.state, lb.deps_resolved, lb.id, lb.dependency_keys,
           prev.id, prev.dependency_keys
    FROM package p
    JOIN build lb ON lb.id = p.last_build_id
    LEFT JOIN LATERAL (
        SELECT b.id, b.dependency_keys FROM build b
        WHERE b.package_id = p.id AND b.deps_resolved AND b.started < lb.started
        ORDER BY b.started DESC, b.id DESC LIMIT 1
    ) prev ON lb.deps_resolved IS FALSE
    WHERE p.id = ANY(%s::int[])
"""


def baseline_keys(package_ids: Sequence[int]) -> dict[int, tuple[int, list[int]]]:
    """Spec 3.4 ``get_build_for_comparison``: each package's baseline build and its ids.

    The last build must be finished; resolved -> its own set; unresolved -> the newest
    earlier resolved build's; not processed yet -> none.  Missing keys mean no changes.
    """
    found: dict[int, tuple[int, list[int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(BASELINES, [list(package_ids)])
        for pid, state, deps_resolved, own_id, own, earlier_id, earlier in cursor.fetchall():
            if state == BuildState.RUNNING or deps_resolved is None:
                continue
            build_id, keys = (own_id, own) if deps_resolved else (earlier_id, earlier)
            decoded = decode_keys(keys)
            if decoded:
                found[pid] = (build_id, decoded)
    return found


def _add_changes(
    outcomes: list[PackageOutcome], baselines: dict[int, tuple[int, list[int]]]
) -> None:
    """Fill in each resolved outcome's baseline, changes and dependency priority."""
    wanted = {o.package_id for o in outcomes if o.resolution.resolved}
    nevras = dependency_nevras(
        i for pid, (_, keys) in baselines.items() if pid in wanted for i in keys
    )
    update = float(settings.KOSCHEI["priorities"]["package_update"])
    for outcome in outcomes:
        baseline = baselines.get(outcome.package_id)
        if not outcome.resolution.resolved or not baseline:
            continue
        outcome.baseline_build_id, keys = baseline
        prev = [nevras[i] for i in keys if i in nevras]
        outcome.changes = dependency_changes(prev, outcome.resolution.dependencies)
        outcome.priority = dependency_priority(outcome.changes, update)
