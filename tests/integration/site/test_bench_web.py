"""bench/web runs end to end at a tiny size (so it does not rot); figures are not judged."""

from __future__ import annotations

import pytest

from tests.integration.bench.harness import bench_database, run_bench


@pytest.fixture
def database():
    yield from bench_database("bench_web")


def test_the_web_benchmark_runs_and_prints_every_figure(database):
    figures = run_bench(
        "bench.web",
        *("--packages", "300", "--builds-per-package", "3", "--requests", "4"),
        *("--concurrency", "1", "--workers", "1", "--database", database),
        timeout=600,
    ).figures
    for page in ("package_list", "package_detail", "build_detail", "affected_by", "api_why"):
        assert float(figures[f"{page}_ms_p95"]) > 0
        assert figures[f"target_{page}_met"] in {"yes", "no"}
    assert figures["packages"] == "300"
