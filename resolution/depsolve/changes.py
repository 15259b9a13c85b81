"""Dependency changes between two resolved buildroots, and the priority they earn.

Pure functions (no hawkey): spec section 3.4 "create_dependency_changes".  Sets are
compared by full NEVRA; the rows are keyed by package name, so a version change is one row
with both sides and the *current* distance, a removal has only the previous side and no
distance, an addition only the current side.

One deliberate difference (spec section 8.6): upstream keyed strictly by name, so when a
name appears with several arches (multilib) the last arch silently won.  Here a name that
appears with more than one arch on either side is keyed by (name, arch), so no row is
lost; a name with one arch per side (the normal case, including a noarch <-> arch switch)
still gives one row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from packages.priority import dependency_priority as _priority_of_distances
from resolution.depsolve.goal import ResolvedDependency
from resolution.depsolve.sack import Nevra


@dataclass(frozen=True)
class DependencyChange:
    """One row of a package's dependency changes (an UnappliedChange or AppliedChange)."""

    name: str
    prev: Nevra | None
    curr: Nevra | None
    distance: int | None


_Nevra = tuple[str, int, str, str, str]


def _arches(nevras: Iterable[_Nevra], names: set[str]) -> dict[str, set[str]]:
    """The arches of each of ``names`` among ``nevras``."""
    arches: dict[str, set[str]] = {}
    for nevra in nevras:
        if nevra[0] in names:
            arches.setdefault(nevra[0], set()).add(nevra[4])
    return arches


def dependency_changes(
    prev: Iterable[Nevra | ResolvedDependency] | None, curr: Iterable[ResolvedDependency] | None
) -> list[DependencyChange]:
    """The changes from ``prev`` to ``curr``, sorted by name then arch; [] if either is empty.

    ``prev`` may carry distances or not (a stored dependency set has none); they are unused.
    """
    # plain (n, e, v, r, a) tuples: they hash and compare like Nevras, and most of a
    # buildroot is unchanged, so only the changed ones are made Nevras
    return changes_to(prev, {dep[:5]: dep[5] for dep in curr or ()})


def changes_to(
    prev: Iterable[Nevra | ResolvedDependency] | None, distances: Mapping[Any, int | None]
) -> list[DependencyChange]:
    """``dependency_changes`` towards a buildroot given as each package's distance, keyed
    by NEVRA (a ``Nevra`` or the plain tuple)."""
    old_set = {d.nevra if isinstance(d, ResolvedDependency) else d for d in prev or ()}
    if not old_set or not distances:
        return []
    removed = old_set.difference(distances)
    added = [Nevra(*n) for n in distances.keys() - old_set]
    names = {n.name for n in removed} | {n.name for n in added}
    prev_arches, curr_arches = _arches(old_set, names), _arches(distances, names)

    def key(nevra: Nevra) -> tuple[str, str]:
        multilib = (
            len(prev_arches.get(nevra.name, ())) > 1 or len(curr_arches.get(nevra.name, ())) > 1
        )
        return (nevra.name, nevra.arch if multilib else "")

    rows: dict[tuple[str, str], DependencyChange] = {}
    for nevra in sorted(removed):
        rows[key(nevra)] = DependencyChange(nevra.name, nevra, None, None)
    for nevra in sorted(added):
        old = rows.get(key(nevra))
        prev_side = old.prev if old else None
        rows[key(nevra)] = DependencyChange(nevra.name, prev_side, nevra, distances[nevra])
    return [rows[k] for k in sorted(rows)]


def dependency_priority(changes: Iterable[DependencyChange], package_update: float = 256) -> int:
    """``int(sum(package_update / (distance or 8)))`` over the changes (spec section 3.4)."""
    return _priority_of_distances((change.distance for change in changes), package_update)
