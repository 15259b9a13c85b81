"""bench/resolution runs end to end at a tiny size, so that its steps and figures do not rot.

Run as ``make bench-resolution`` would run it, on its own database; the test checks that
every step reported (the steady-state full run and the data's shape included) and that
each target was judged, never how long anything took.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 900  # the whole run, on busy shared cores
SOURCES = 200
TARGETS = (
    "floor_ratio",
    "steady_ratio",
    "incremental",
    "peak_rss_workers",
    "peak_rss_full_in_process",
)


def _figures(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


@pytest.fixture
def database():
    name = f"{settings.DATABASES['default']['TEST']['NAME'] or 'test_koschei'}_resolution"
    yield name
    conn = psycopg2.connect(host="127.0.0.1", user="koschei", dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


def test_the_resolution_bench_reports_every_step_shape_and_target(database):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOSCHEI_", "DJANGO_"))}
    args = ["--sources", str(SOURCES), "--changed", "10", "--database", database]
    done = subprocess.run(
        [sys.executable, "-m", "bench.resolution", *args, "--shape-sample", "50"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = _figures(done.stdout)
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
