"""The pure-Python distances that ``resolution.depsolve.graph`` replaced, kept as a reference.

Sets of hawkey packages and a level-by-level breadth-first search (DESIGN section 7):
installed matches of the BuildRequires at 1, a package at d+1 when an installed package at
d requires (or, with weak deps, recommends) something it provides, or when it supplements
an installed package at d.  Slow and obviously right; the tests hold the fast one to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import hawkey

from resolution.depsolve import Depsolver


def _providers(sack: Any, deps: list[Any]) -> frozenset[Any]:
    return frozenset(hawkey.Query(sack).filter(provides=deps)) if deps else frozenset()


def reference_distances(
    solver: Depsolver, installs: Iterable[Any], build_requires: Iterable[str]
) -> dict[Any, int]:
    """Shortest distance from the BuildRequires to each installed package reached."""
    weak = not solver.ignore_weak_deps
    installed = set(installs)
    reverse: dict[Any, set[Any]] = {}
    if weak:
        for package in installed:
            for target in _providers(solver.sack, list(package.supplements)) & installed:
                reverse.setdefault(target, set()).add(package)
    frontier: set[Any] = set()
    for dep in build_requires:
        frontier |= solver._match(dep)[1] & installed
    distance: dict[Any, int] = {}
    level = 1
    while frontier:
        reached: set[Any] = set()
        for package in frontier:
            distance[package] = level
            deps = list(package.requires) + (list(package.recommends) if weak else [])
            reached |= _providers(solver.sack, deps)
            reached |= reverse.get(package, set())
        frontier = (reached & installed).difference(distance)
        level += 1
    return distance
