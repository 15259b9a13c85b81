"""The issue's targets for the resolution bench, each printed as ``target_*_met=yes|no``.

Measured on the calibrated full-size generated distribution (30,000 sources) with 2
workers; a target whose figures are missing is not printed.
"""

from __future__ import annotations

from collections.abc import Mapping

from bench.resolution.report import figure

#: cold full run on the workers over the single-core floor
FLOOR_RATIO = 0.7
#: steady-state full run on the workers (every package has a resolved last build) over it
STEADY_RATIO = 0.85
#: incremental run after a leaf change over the cold full run (results identical)
INCREMENTAL_RATIO = 1 / 25
#: what no exact incremental run can go below, over the cold full run: loading the new
#: repo's sack from its repodata (hawkey's solv cache exists only for a repo loaded before)
INCREMENTAL_FLOOR = "incremental_floor_ratio"
#: largest worker's peak resident memory over the run's steps, MiB
PEAK_RSS_WORKERS_MB = 300
#: the worker peaks of the steps (each a ``VmHWM``, so the last covers the steps before)
WORKER_PEAKS = ("peak_rss_mb", "steady_peak_rss_mb", "peak_rss_mb_after_incremental")
#: ``resolve-repo --full`` in one process, peak resident memory, MiB
PEAK_RSS_FULL_IN_PROCESS_MB = 400
#: changes, persisting and chunk bookkeeping over the solving time, in the full runs
AFTER_SOLVE_SHARE = 0.2
AFTER_SOLVE_SHARES = ("full_after_solve_share", "steady_after_solve_share")


def verdicts(known: Mapping[str, float]) -> dict[str, bool]:
    """Each target whose figures are known, and whether it was met."""
    met: dict[str, bool] = {}
    if "floor_ratio" in known:
        met["floor_ratio"] = known["floor_ratio"] <= FLOOR_RATIO
    if "steady_ratio" in known:
        met["steady_ratio"] = known["steady_ratio"] <= STEADY_RATIO
    if "incremental_ratio" in known and "incremental_equals_full" in known:
        met["incremental"] = (
            known["incremental_ratio"] <= INCREMENTAL_RATIO
            and known["incremental_equals_full"] == 1
        )
    workers = [known[name] for name in WORKER_PEAKS if name in known]
    if workers:
        met["peak_rss_workers"] = max(workers) < PEAK_RSS_WORKERS_MB
    if "full_rerun_peak_rss_mb" in known:
        met["peak_rss_full_in_process"] = (
            known["full_rerun_peak_rss_mb"] < PEAK_RSS_FULL_IN_PROCESS_MB
        )
    shares = [known[name] for name in AFTER_SOLVE_SHARES if name in known]
    if shares:
        met["after_solve"] = max(shares) < AFTER_SOLVE_SHARE
    return met


def reachable(known: Mapping[str, float]) -> dict[str, bool]:
    """Each target with a known lower bound, and whether the bound leaves room for it."""
    if INCREMENTAL_FLOOR not in known:
        return {}
    return {"incremental": known[INCREMENTAL_FLOOR] <= INCREMENTAL_RATIO}


def report_targets(known: Mapping[str, float]) -> None:
    """Print ``target_<name>_met`` for every target that can be judged, and
    ``target_<name>_reachable`` for every target with a measured lower bound."""
    for name, met in verdicts(known).items():
        figure(f"target_{name}_met", met)
    for name, room in reachable(known).items():
        figure(f"target_{name}_reachable", room)
