"""Resolving a chunk of packages against one repo, without writing anything (spec 3.4).

Reads packages and BuildRequires (cache, else Koji), resolves each package (or reuses the
stored install set the run's triage found untouched by the repo change) and computes its
dependency changes against the comparison baseline.  A solving chunk and a triage chunk
(for the few packages it resolves itself) both do this; the caller persists the outcomes
in one transaction (``resolution.services.persist``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from django.conf import settings

from packages.evr import srpm_nvra
from packages.models import Collection, Package
from resolution.depsolve import (
    DependencyChange,
    InstallSet,
    Nevra,
    Request,
    Resolution,
    changes_to,
    dependency_priority,
)
from resolution.models import PackageResolution
from resolution.services import inputs
from resolution.services.baselines import baseline_keys
from resolution.services.dependencies import dependency_ids, dependency_nevras
from resolution.services.inputs import RepoSource
from resolution.services.phases import PhaseSeconds

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
    #: the install set (or a failure's candidates) as sorted Dependency ids
    install_ids: list[int] | None = None


@dataclass
class ChunkOutcomes:
    """Every outcome of a chunk, and the packages that had to be left out."""

    outcomes: list[PackageOutcome]
    skipped: list[int]
    seconds: PhaseSeconds = field(default_factory=PhaseSeconds)
    #: packages given the resolution of another with the same inputs (no goal of their own)
    shared: int = 0


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


class _Subject(NamedTuple):
    """A package to resolve, as read for it (no model instances: a chunk reads hundreds)."""

    package_id: int
    last_build_id: int | None
    #: the SRPM of its last complete build (None without a version and release)
    srpm: dict[str, object] | None


def _subjects(package_ids: Sequence[int]) -> list[_Subject]:
    """The packages that have a last complete build, in id order."""
    rows = (
        Package.objects.filter(pk__in=package_ids, last_complete_build__isnull=False)
        .order_by("id")
        .values_list(
            "id",
            "name",
            "last_build_id",
            "last_complete_build__version",
            "last_complete_build__release",
        )
    )
    return [
        _Subject(
            package_id,
            last_build_id,
            srpm_nvra(name, version, release) if version and release else None,
        )
        for package_id, name, last_build_id, version, release in rows
    ]


def resolve_packages(
    *,
    source: RepoSource,
    group: Sequence[str],
    package_ids: Sequence[int],
    reusable: AbstractSet[int] = frozenset(),
) -> ChunkOutcomes:
    """Resolve the packages against the repo; raises RepoUnavailable when it cannot be had.

    ``reusable``: packages whose stored install set the run's triage found untouched by
    the repo change; they keep it (same inputs provided) and only get fresh distances.
    """
    started = time.perf_counter()
    seconds = PhaseSeconds()
    subjects = _subjects(package_ids)
    requires = inputs.build_requires(
        source.collection, [s.srpm for s in subjects if s.srpm is not None], source.sessions
    )
    found = {s.package_id for s in subjects}
    skipped = [pid for pid in package_ids if pid not in found]
    work: list[tuple[_Subject, str, list[str]]] = []
    for subject in subjects:
        key = inputs.nvra_key(subject.srpm) if subject.srpm else None
        if key is None or key not in requires:
            skipped.append(subject.package_id)
        else:
            work.append((subject, key, requires[key]))
    wanted = [pid for pid in package_ids if pid in reusable]
    stored = {r.package_id: r for r in PackageResolution.objects.filter(package_id__in=wanted)}
    nevras = dependency_nevras(i for r in stored.values() for i in r.install_set)
    digests = inputs.InputsDigest(group)
    with inputs.solver_for(source) as solver:
        solver.prepare_files([*group, *(br for _, _, brs in work for br in brs)])
        clock = solver.clock.copy()
        seconds.inputs = time.perf_counter() - started
        requests = []
        for subject, key, brs in work:
            previous = stored.get(subject.package_id)
            digest = digests.of(key, brs)
            kept = None
            if previous is not None and previous.inputs_digest == digest:
                kept = _stored_set(previous, nevras)
            requests.append((digest, Request(brs, list(group), kept)))
        results = solver.resolve_many([request for _, request in requests])
        outcomes = [
            PackageOutcome(subject.package_id, subject.last_build_id, resolution, digest, reused)
            for (subject, _, _), (digest, _), (resolution, reused) in zip(
                work, requests, results, strict=True
            )
        ]
        seconds.add_solver(clock, solver.clock)
        shared = solver.clock.shared - clock.shared
    started = time.perf_counter()
    _add_changes(outcomes, baseline_keys([o.package_id for o in outcomes]))
    seconds.changes = time.perf_counter() - started
    return ChunkOutcomes(outcomes, skipped, seconds, shared)


def _stored_set(previous: PackageResolution, nevras: dict[int, Nevra]) -> InstallSet | None:
    """The stored install set as NEVRAs; None when a member's Dependency row is gone."""
    members = [nevras.get(i) for i in previous.install_set]
    if any(m is None for m in members):
        return None
    return tuple(sorted(m for m in members if m is not None))


# --- changes --------------------------------------------------------------------------------


def _add_changes(
    outcomes: list[PackageOutcome], baselines: dict[int, tuple[int, list[int]]]
) -> None:
    """Fill in each outcome's install set as Dependency ids and each resolved one's
    baseline, changes and dependency priority.

    The ids are got (rows made for new NEVRAs) here, before the persisting transaction.
    Install sets are compared with their baselines as ids: a set equal to its baseline
    has no changes, and only the baseline members that left are read back as NEVRAs.
    """
    ids = dependency_ids(chain.from_iterable(o.resolution.install_set or () for o in outcomes))
    current: dict[int, dict[int, Nevra]] = {}
    gone: set[int] = set()
    for outcome in outcomes:
        install = outcome.resolution.install_set or ()
        keys = list(map(ids.__getitem__, install))
        if outcome.resolution.install_set is not None:
            outcome.install_ids = sorted(keys)
        baseline = baselines.get(outcome.package_id)
        if not outcome.resolution.resolved or not baseline:
            continue
        members = dict(zip(keys, install, strict=True))
        current[outcome.package_id] = members
        gone.update(set(baseline[1]).difference(members))
    nevras = dependency_nevras(gone)
    update = float(settings.KOSCHEI["priorities"]["package_update"])
    for outcome in outcomes:
        if outcome.package_id not in current:
            continue
        now = current[outcome.package_id]
        outcome.baseline_build_id, keys = baselines[outcome.package_id]
        if len(keys) == len(now) and now.keys() >= set(keys):
            continue  # the same buildroot: no changes
        prev = [now[i] if i in now else nevras[i] for i in keys if i in now or i in nevras]
        outcome.changes = changes_to(prev, outcome.resolution.distance_by_nevra())
        outcome.priority = dependency_priority(outcome.changes, update)
