"""Seconds a resolution chunk spends per phase, summed with ``time.perf_counter``.

Logged once per chunk and summed over a run resolved in process, so a run shows where
its time goes: reading inputs, solving, distances, listing (ordering install sets into
``ResolvedDependency`` rows), dependency changes, persisting, and the chunk bookkeeping
(claiming it, counting it into the run, committing).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields

from resolution.depsolve import SolverClock


@dataclass
class PhaseSeconds:
    """Seconds per phase of one chunk (or a sum of chunks)."""

    inputs: float = 0.0
    solve: float = 0.0
    distances: float = 0.0
    listing: float = 0.0
    changes: float = 0.0
    persist: float = 0.0
    bookkeeping: float = 0.0

    def __add__(self, other: PhaseSeconds) -> PhaseSeconds:
        return PhaseSeconds(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def add_solver(self, before: SolverClock, after: SolverClock) -> None:
        """Add what a solver's clock ran between two readings."""
        self.solve += after.solve_s - before.solve_s
        self.distances += after.distances_s - before.distances_s
        self.listing += after.listing_s - before.listing_s

    def after_solve(self) -> float:
        """Everything after the solve: distances, listing, changes, persisting, bookkeeping."""
        return self.distances + self.listing + self.storing()

    def storing(self) -> float:
        """What the chunk does with its results: changes, persisting and bookkeeping."""
        return self.changes + self.persist + self.bookkeeping

    @classmethod
    def parse(cls, text: str) -> PhaseSeconds:
        """The phases as ``str`` writes them (phases it does not name stay 0)."""
        seconds = cls()
        names = {f.name for f in fields(cls)}
        for part in text.split(","):
            name, _, value = part.strip().partition(" ")
            if name in names:
                setattr(seconds, name, float(value.removesuffix(" s")))
        return seconds

    def __str__(self) -> str:
        parts = [f"{f.name} {getattr(self, f.name):.3f} s" for f in fields(self)]
        return ", ".join(parts)
