"""The shape of the data a run resolved: install-set sizes and dependency distances.

Printed with the figures so that anyone can see when data is unrealistic (a real
distribution of 34,000 sources: mean install set about 207 binaries, distances up to
18).  A ``Depsolver`` on the first repo's sack (from the run's cache) resolves an evenly
spaced sample of the eligible packages as the services do (goal, install set, each
installed package's distance from the BuildRequires); the sample keeps the step short
at full size, so ``distance_max`` is the sample's.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bench.resolution.floor import BenchRepo
from resolution.depsolve import Depsolver, load_sack

T = TypeVar("T")
#: the depth most dependencies of a real distribution stay within
SHALLOW = 6


@dataclass(frozen=True)
class ShapeFigures:
    """Install sets and distances of the resolved packages of a sample."""

    packages: int
    install_set_mean: float
    install_set_p95: int
    install_set_max: int
    distance_max: int
    distance_p95: int
    #: share of the installed packages' distances that are at most ``SHALLOW``
    distance_shallow_share: float


def spread(items: Sequence[T], limit: int) -> list[T]:
    """At most ``limit`` items evenly spaced over ``items`` (all of them when 0)."""
    if limit <= 0 or len(items) <= limit:
        return list(items)
    step = len(items) / limit
    return [items[int(index * step)] for index in range(limit)]


def quantile(values: Sequence[int], share: float) -> int:
    """The value below which ``share`` of ``values`` lie (nearest rank); 0 when empty."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summarize(sizes: Sequence[int], distances: Sequence[int]) -> ShapeFigures:
    """The figures of install-set sizes and of every installed package's distance."""
    shallow = sum(distance <= SHALLOW for distance in distances)
    return ShapeFigures(
        packages=len(sizes),
        install_set_mean=statistics.fmean(sizes) if sizes else 0.0,
        install_set_p95=quantile(sizes, 0.95),
        install_set_max=max(sizes, default=0),
        distance_max=max(distances, default=0),
        distance_p95=quantile(distances, 0.95),
        distance_shallow_share=shallow / len(distances) if distances else 0.0,
    )


def measure_shape(repo: BenchRepo, packages: Sequence[tuple[str, list[str]]]) -> ShapeFigures:
    """Resolve ``packages`` (name, BuildRequires) on the repo and summarize the outcome."""
    with repo.files(private=False) as local:
        group = repo.build_group(local)
        sack = load_sack(local, repo.solve_arch).sack
        solver = Depsolver(sack, ignore_weak_deps=repo.ignore_weak_deps)
        solver.prepare_files(dep for _name, requires in packages for dep in requires)
        sizes: list[int] = []
        distances: list[int] = []
        for _name, requires in packages:
            resolution = solver.resolve(requires, group)
            if not resolution.resolved or resolution.dependencies is None:
                continue
            sizes.append(len(resolution.dependencies))
            distances += [d.distance for d in resolution.dependencies if d.distance is not None]
    return summarize(sizes, distances)
