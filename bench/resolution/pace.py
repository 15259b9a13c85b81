"""The machine's pace: one fixed sample of bare goals, timed next to each run it judges.

A shared VM's speed drifts within a bench run: the same code and data gave a bare goal
cost of 3.5 ms at one floor and 4.5 ms at the next, and the floor is measured minutes
after the full and steady runs it is compared with.  So the harness holds one sack of the
first repo (from the run's cache, with a solv cache of its own) and times the same evenly
spread sample of packages with bare goals, as the floor does, right after the full run,
right after the steady run and right before the floor.  ``floor_ratio_paced`` and
``steady_ratio_paced`` scale the floor by the pace of the moment of the run; the targets
are still judged on the plain ratios.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack

from bench.resolution.floor import BenchRepo, time_goals
from resolution.depsolve import Depsolver, load_sack

#: packages in the sample (about 3 s of goals at the calibrated size)
PACE_SAMPLE = 1000


class Pace:
    """A sack and a sample held for the whole run; ``close()`` lets them go."""

    def __init__(self, repo: BenchRepo, packages: Sequence[tuple[str, list[str]]]) -> None:
        if not packages:
            raise ValueError("no packages to time")
        self._held = ExitStack()
        try:
            local = self._held.enter_context(repo.files())
            self._group = repo.build_group(local)
            self._sack = load_sack(local, repo.solve_arch, build_cache=False).sack
        except BaseException:
            self._held.close()
            raise
        self._weak = repo.ignore_weak_deps
        self._packages = packages

    def probe(self) -> float:
        """The sample's mean bare goal now, in ms (a fresh solver each time, so every probe
        looks its selectors up anew)."""
        solver = Depsolver(self._sack, ignore_weak_deps=self._weak)
        seconds, _ = time_goals(solver, self._packages, self._group)
        return seconds * 1000 / len(self._packages)

    def close(self) -> None:
        self._sack = None
        self._held.close()


def paced_ratio(run_s: float, floor_s: float, pace_run_ms: float, pace_floor_ms: float) -> float:
    """``run_s`` over the floor as it would have taken at the run's pace."""
    return run_s / (floor_s * pace_run_ms / pace_floor_ms)
