"""Where a package's resolution goes, phase by phase, in this process on one core.

``Depsolver.resolve_many`` of the floor packages on the floor's sack, a chunk's worth at
a time as a worker does, with a fresh solver (its memos and provider graph are built
during the run, as on a worker), split by the solver's own clock: the goal (plus the
candidate search of failed goals), the distances of resolved install sets (one search
per batch), and the listing (install sets in NEVRA order).  Results are dropped after
each batch, as a chunk drops them after persisting.  Costs are per goal run and per
install set listed: packages solved alike (the inputs of another) cost neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.resolution.report import figure
from resolution.depsolve import Depsolver, Request


@dataclass(frozen=True)
class PhaseFigures:
    packages: int
    resolved: int
    #: packages given the resolution of another with the same inputs
    alike: int
    goal_ms_mean: float
    distances_ms_per_pkg: float
    listing_ms_per_pkg: float


def measure_phases(
    sack: Any, packages: Sequence[tuple[str, list[str]]], group: list[str], *, weak: bool
) -> PhaseFigures:
    """Resolve every package once and split the time by the solver's phases.

    ``weak``: honour weak dependencies (the opposite of ``ignore_weak_deps``).
    """
    from resolution.services.runs import DEFAULT_CHUNK_SIZE  # Django is set up by now

    solver = Depsolver(sack, ignore_weak_deps=not weak)
    resolved = 0
    for start in range(0, len(packages), DEFAULT_CHUNK_SIZE):
        batch = packages[start : start + DEFAULT_CHUNK_SIZE]
        results = solver.resolve_many([Request(requires, group) for _, requires in batch])
        resolved += sum(resolution.resolved for resolution, _ in results)
    clock = solver.clock
    per_set = 1e3 / max(clock.listed, 1)
    return PhaseFigures(
        packages=len(packages),
        resolved=resolved,
        alike=clock.shared,
        goal_ms_mean=clock.solve_s * 1e3 / max(clock.goals, 1),
        distances_ms_per_pkg=clock.distances_s * per_set,
        listing_ms_per_pkg=clock.listing_s * per_set,
    )


def print_phases(phases: PhaseFigures | None) -> None:
    """The ``phase_*`` figures (nothing when the floor did not measure them)."""
    if phases is None:
        return
    figure("phase_packages", phases.packages)
    figure("phase_resolved", phases.resolved)
    figure("phase_solved_alike", phases.alike)
    figure("phase_goal_ms_mean", phases.goal_ms_mean)
    figure("distances_ms_per_pkg", phases.distances_ms_per_pkg)
    figure("listing_ms_per_pkg", phases.listing_ms_per_pkg)
    if phases.goal_ms_mean:
        share = (phases.distances_ms_per_pkg + phases.listing_ms_per_pkg) / phases.goal_ms_mean
        figure("distances_share_of_goal", share)
