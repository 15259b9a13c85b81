"""Sorting an incremental run's packages before any chunk exists (DESIGN section 7).

The repo check compares the new repo with each repo the packages were last resolved on
(a ``ChangeImpact`` over database ids) and sorts every eligible package:
- **unchanged**: same inputs, an install set the change cannot touch (hence the same
  distances), and the same last build and comparison baseline as when it was stored (hence
  the same changes and dependency priority).  Its stored outcome is exact for the new
  repo: it only moves there, all of them in one statement;
- **reusable**: the install set still holds but the last build or the baseline moved: a
  chunk recomputes distances and changes from it without a solver run;
- every other package is solved by a chunk.
So only packages that need work become chunks, and a small repo change costs little
however large the collection.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from builds.koji import KojiSessions
from packages.models import Collection
from resolution.depsolve import ChangeImpact, Depsolver, diff_sacks
from resolution.models import PackageResolution
from resolution.services import inputs
from resolution.services.baselines import BASELINE_JOIN
from resolution.services.dependencies import known_dependency_ids
from resolution.services.inputs import RepoUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Triage:
    """Where each package of an incremental run goes."""

    #: packages for the chunks, in id order (the reusable ones among them)
    solve: list[int]
    #: packages whose stored install set a chunk may reuse
    reusable: frozenset[int]
    #: packages whose stored outcome holds as it is
    unchanged: list[int]


FACTS = f"""
    SELECT p.id, p.name, b.version, b.release, p.resolved, p.last_build_id,
           pr.repo_id, pr.inputs_digest, pr.install_set, pr.last_build_id,
           pr.baseline_build_id, baseline.id, sr.requires
    FROM package p
    JOIN package_resolution pr ON pr.package_id = p.id
    JOIN build b ON b.id = p.last_complete_build_id
    LEFT JOIN srpm_requires sr
      ON sr.koji_id = %s AND sr.nvra = p.name || '-' || b.version || '-' || b.release || '.src'
    {BASELINE_JOIN}
    WHERE p.id = ANY(%s::int[])
"""  # noqa: S608 - composed of constants


def stored_resolutions(collection: Collection) -> set[int]:
    """The collection's packages that have a stored resolution (the ones to triage)."""
    return set(
        PackageResolution.objects.filter(package__collection=collection).values_list(
            "package_id", flat=True
        )
    )


def triage(
    *,
    collection: Collection,
    repo_id: int,
    group: Sequence[str],
    package_ids: Sequence[int],
    solver: Depsolver,
    sessions: KojiSessions,
) -> Triage:
    """Sort ``package_ids`` for a run against ``solver``'s repo (``repo_id``)."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(FACTS, [inputs.koji_id(collection), list(package_ids)])
        rows = cursor.fetchall()
    previous = Counter(row[6] for row in rows if row[6] != repo_id)
    impacts = {old: _impact(collection, old, solver, sessions) for old in sorted(previous)}
    # per previous repo: the BuildRequires an added package may now satisfy otherwise
    # (None: the build group is touched, or the repo is gone: everything is solved)
    touched: dict[int, frozenset[str] | None] = {}
    for old, impact in impacts.items():
        if impact is None or impact.touched(group):
            touched[old] = None
        else:
            touched[old] = impact.touched(
                {br for row in rows if row[6] == old for br in row[12] or ()}
            )
    digests = inputs.InputsDigest(group)
    holding: dict[int, bool] = {}  # package id -> its stored outcome holds unchanged
    for (
        pid,
        name,
        version,
        release,
        resolved,
        last_build_id,
        stored_repo,
        digest,
        install_set,
        stored_build,
        stored_baseline,
        baseline,
        requires,
    ) in rows:
        if resolved is not True or requires is None or not version or not release:
            continue
        key = inputs.nvra_key({"name": name, "version": version, "release": release, "arch": "src"})
        if digests.of(key, requires) != digest:
            continue
        if stored_repo != repo_id:
            impact, brs = impacts[stored_repo], touched[stored_repo]
            if impact is None or brs is None or not brs.isdisjoint(requires):
                continue
            if impact.touches_members(install_set):
                continue
        holding[pid] = last_build_id == stored_build and baseline == stored_baseline
    unchanged = [pid for pid in package_ids if holding.get(pid)]
    result = Triage(
        solve=[pid for pid in package_ids if not holding.get(pid)],
        reusable=frozenset(pid for pid, holds in holding.items() if not holds),
        unchanged=unchanged,
    )
    log.info(
        "Triage of %d packages against repo %s (previous repos %s) in %.2f s: "
        "%d unchanged, %d reusable, %d to solve",
        len(package_ids),
        repo_id,
        dict(previous),
        time.monotonic() - started,
        len(result.unchanged),
        len(result.reusable),
        len(result.solve) - len(result.reusable),
    )
    return result


def _impact(
    collection: Collection, old: int, current: Depsolver, sessions: KojiSessions
) -> ChangeImpact | None:
    """What changed from repo ``old`` to ``current``, over Dependency ids; None when the
    old repo cannot be had any more (its packages are then solved again)."""
    try:
        with inputs.solver_for(collection, old, sessions) as previous:
            diff = diff_sacks(previous.sack, current.sack)
    except RepoUnavailable as exc:
        log.info("Previous repo %s unavailable, resolving its packages in full: %s", old, exc)
        return None
    impact = ChangeImpact(current.sack, diff, ignore_weak_deps=current.ignore_weak_deps)
    members: set[Any] = set(impact.hot).union(*impact.atom_providers.values())
    return impact.keyed(known_dependency_ids(members))
