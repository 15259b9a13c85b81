"""Where a run's time went, phase by phase, from the workers' log.

Each solving chunk logs ``Chunk <id>: <n> packages, <m> solved alike; inputs 0.012 s,
solve ...``; the chunks of a run are found by their ids in the database, so the lines of
several runs in one log never mix.  Triage chunks log no phases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.resolution.report import figure

CHUNK_LINE = re.compile(r"Chunk (\d+): (\d+) packages, (\d+) solved alike; (.+)$")
#: changes, persisting and bookkeeping together, over the solving time
STORING_SHARE = "after_solve_share"


def _no_phases() -> Any:
    from resolution.services.phases import PhaseSeconds

    return PhaseSeconds()


@dataclass
class RunChunks:
    """A run's solving chunks summed: their phases, packages, and the packages that got
    the resolution of another with the same inputs."""

    phases: Any = field(default_factory=_no_phases)
    packages: int = 0
    alike: int = 0


def run_chunks(log: Path, run_id: int) -> RunChunks:
    """The run's solving chunks as logged (zero when none logged)."""
    from resolution.models import ResolutionChunk
    from resolution.services.phases import PhaseSeconds

    ids = set(ResolutionChunk.objects.filter(run_id=run_id).values_list("pk", flat=True))
    total = RunChunks()
    if not log.exists():
        return total
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            match = CHUNK_LINE.search(line)
            if match and int(match.group(1)) in ids:
                total.phases += PhaseSeconds.parse(match.group(4))
                total.packages += int(match.group(2))
                total.alike += int(match.group(3))
    return total


def print_chunks(prefix: str, chunks: RunChunks) -> float | None:
    """``<prefix>_phase_<name>_s`` for every phase, the shares of the solving time spent
    after it, and the share of packages solved alike; returns the
    ``after_solve_share`` (None without solving time)."""
    from dataclasses import fields

    phases = chunks.phases
    for f in fields(phases):
        figure(f"{prefix}_phase_{f.name}_s", getattr(phases, f.name))
    figure(f"{prefix}_solved_alike", chunks.alike)
    alike = chunks.alike / chunks.packages if chunks.packages else None
    figure(f"{prefix}_solved_alike_share", alike)
    if not phases.solve:
        return None
    share = phases.storing() / phases.solve
    figure(f"{prefix}_{STORING_SHARE}", share)
    figure(f"{prefix}_after_solve_with_distances_share", phases.after_solve() / phases.solve)
    return share
