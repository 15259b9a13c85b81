"""bench/resolution runs end to end at a tiny size, so that its steps and figures do not rot.

Run as ``make bench-resolution`` would run it, on its own database; the test checks that
every step reported (the steady-state full run and the data's shape included) and that
each target was judged, never how long anything took.
"""

from __future__ import annotations

import pytest

from tests.integration.bench.harness import bench_database, run_bench

SOURCES = 200
TARGETS = (
    "floor_ratio",
    "steady_ratio",
    "incremental",
    "peak_rss_workers",
    "peak_rss_full_in_process",
)


@pytest.fixture
def database():
    yield from bench_database("resolution")


def test_the_resolution_bench_reports_every_step_shape_and_target(database):
    args = ["--sources", str(SOURCES), "--changed", "10", "--database", database]
    figures = run_bench("bench.resolution", *args, "--shape-sample", "50").figures
    assert figures["profile"] == "fedora"
    assert figures["steady_kind"] == "full"
    assert int(figures["steady_packages"]) == SOURCES
    assert figures["incremental_equals_full"] == "yes"
    assert 40 <= int(figures["shape_packages"]) <= 50  # the sample, but the unresolvable
    assert 0 < float(figures["install_set_mean"]) <= int(figures["install_set_max"])
    assert int(figures["install_set_p95"]) <= int(figures["install_set_max"])
    assert int(figures["distance_max"]) >= max(4, int(figures["distance_p95"]))
    assert 0 < float(figures["distance_within_6"]) <= 1
    for name in ("goal_ms_mean", "steady_s", "steady_ratio", "steady_peak_rss_mb"):
        float(figures[name])
    for name in TARGETS:
        assert figures[f"target_{name}_met"] in ("yes", "no")
