"""Where a run's time went, phase by phase, from the workers' log.

Each solving chunk logs ``Chunk <id>: <n> packages; inputs 0.012 s, solve ...``; the
chunks of a run are found by their ids in the database, so the lines of several runs
in one log never mix.  Triage chunks log no phases.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.resolution.report import figure

CHUNK_LINE = re.compile(r"Chunk (\d+): \d+ packages; (.+)$")
#: changes, persisting and bookkeeping together, over the solving time
STORING_SHARE = "after_solve_share"


def run_phases(log: Path, run_id: int) -> Any:
    """The summed ``PhaseSeconds`` of the run's solving chunks (zero when none logged)."""
    from resolution.models import ResolutionChunk
    from resolution.services.phases import PhaseSeconds

    ids = set(ResolutionChunk.objects.filter(run_id=run_id).values_list("pk", flat=True))
    total = PhaseSeconds()
    if not log.exists():
        return total
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            match = CHUNK_LINE.search(line)
            if match and int(match.group(1)) in ids:
                total += PhaseSeconds.parse(match.group(2))
    return total


def print_phases(prefix: str, phases: Any) -> float | None:
    """``<prefix>_phase_<name>_s`` for every phase, and the shares of the solving time
    spent after it; returns the ``after_solve_share`` (None without solving time)."""
    from dataclasses import fields

    for f in fields(phases):
        figure(f"{prefix}_phase_{f.name}_s", getattr(phases, f.name))
    if not phases.solve:
        return None
    share = phases.storing() / phases.solve
    figure(f"{prefix}_{STORING_SHARE}", share)
    figure(f"{prefix}_after_solve_with_distances_share", phases.after_solve() / phases.solve)
    return share
