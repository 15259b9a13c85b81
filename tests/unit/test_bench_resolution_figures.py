"""The resolution bench's shape figures and target verdicts, from given measurements."""

from __future__ import annotations

import pytest

from bench.resolution.chunk_log import CHUNK_LINE, RunChunks, print_chunks
from bench.resolution.data import GeneratorArgs
from bench.resolution.pace import paced_ratio
from bench.resolution.shape import quantile, spread, summarize
from bench.resolution.targets import INCREMENTAL_FLOOR, reachable, report_targets, verdicts
from resolution.services.phases import PhaseSeconds

MET = {
    "floor_ratio": 0.7,
    "steady_ratio": 0.85,
    "incremental_ratio": 0.039,
    "incremental_equals_full": 1.0,
    "peak_rss_mb": 299,
    "steady_peak_rss_mb": 250,
    "peak_rss_mb_after_incremental": 299,
    "full_rerun_peak_rss_mb": 399,
    "full_after_solve_share": 0.199,
    "steady_after_solve_share": 0.15,
}


def test_every_target_met_at_its_bound():
    assert verdicts(MET) == {
        "floor_ratio": True,
        "steady_ratio": True,
        "incremental": True,
        "peak_rss_workers": True,
        "peak_rss_full_in_process": True,
        "after_solve": True,
    }


@pytest.mark.parametrize(
    ("changed", "target"),
    [
        ({"floor_ratio": 0.71}, "floor_ratio"),
        ({"steady_ratio": 0.86}, "steady_ratio"),
        ({"incremental_ratio": 0.041}, "incremental"),
        ({"incremental_equals_full": 0.0}, "incremental"),
        ({"steady_peak_rss_mb": 300}, "peak_rss_workers"),
        ({"peak_rss_mb_after_incremental": 349}, "peak_rss_workers"),
        ({"full_rerun_peak_rss_mb": 400}, "peak_rss_full_in_process"),
        ({"steady_after_solve_share": 0.2}, "after_solve"),
        ({"full_after_solve_share": 0.31}, "after_solve"),
    ],
)
def test_a_figure_past_its_bound_misses_only_its_target(changed, target):
    met = verdicts({**MET, **changed})
    assert [name for name, ok in met.items() if not ok] == [target]


def test_targets_without_figures_are_not_judged(capsys):
    assert verdicts({"floor_ratio": 0.5, "incremental_ratio": 0.01}) == {"floor_ratio": True}
    report_targets({"steady_ratio": 0.9, "peak_rss_mb": 100})
    assert capsys.readouterr().out.splitlines() == [
        "target_steady_ratio_met=no",
        "target_peak_rss_workers_met=yes",
    ]


@pytest.mark.parametrize(("floor", "room"), [(0.04, True), (0.041, False)])
def test_the_incremental_target_is_reachable_only_above_its_floor(floor, room, capsys):
    assert reachable({}) == {}
    assert reachable({INCREMENTAL_FLOOR: floor}) == {"incremental": room}
    report_targets({**MET, INCREMENTAL_FLOOR: floor})
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == f"target_incremental_reachable={'yes' if room else 'no'}"
    assert "target_incremental_met=yes" in printed


def test_a_paced_ratio_scales_the_floor_to_the_pace_of_the_run():
    # the machine was 20% faster during the run than at the floor
    assert paced_ratio(60.0, 100.0, 4.0, 5.0) == pytest.approx(0.75)
    assert paced_ratio(60.0, 100.0, 5.0, 5.0) == pytest.approx(0.6)


def test_shape_summary():
    shape = summarize([150, 160, 170, 180, 900], [1, 2, 3, 6, 7, 18, 4, 4, 5, 1])
    assert shape.packages == 5
    assert shape.install_set_mean == 312.0
    assert shape.install_set_p95 == shape.install_set_max == 900
    assert shape.distance_max == shape.distance_p95 == 18
    assert shape.distance_shallow_share == 0.8
    empty = summarize([], [])
    assert (empty.packages, empty.install_set_mean, empty.distance_max) == (0, 0.0, 0)


def test_quantile_and_sample_spread():
    assert quantile(list(range(1, 101)), 0.95) == 96
    assert quantile([], 0.5) == 0
    assert spread(list(range(10)), 0) == list(range(10))
    assert spread(list(range(10)), 20) == list(range(10))
    assert spread(list(range(10)), 4) == [0, 2, 5, 7]


def test_generated_data_is_cached_per_profile():
    fedora = GeneratorArgs(30000, 1, 100, "leaf=1")
    expensive = GeneratorArgs(30000, 1, 100, "leaf=1", "expensive")
    assert fedora.profile == "fedora"
    assert fedora.key == "s30000-seed1-fedora-c100-leaf=1"
    assert expensive.key == "s30000-seed1-expensive-c100-leaf=1"


def test_a_chunk_line_gives_back_the_phases_it_logged():
    logged = PhaseSeconds(0.012, 0.4, 0.03, 0.01, 0.02, 0.05, 0.004)
    line = f"12:00:01 [Q] INFO Chunk 17: 300 packages, 12 solved alike; {logged}"
    match = CHUNK_LINE.search(line)
    assert match and match.groups()[:3] == ("17", "300", "12")
    assert PhaseSeconds.parse(match.group(4)) == logged
    assert PhaseSeconds.parse("solve 2.5 s, unknown 1 s") == PhaseSeconds(solve=2.5)


def test_phase_figures_and_the_share_after_the_solve(capsys):
    chunks = RunChunks(PhaseSeconds(1.0, 10.0, 1.0, 0.5, 0.5, 1.0, 0.5), 400, 30)
    share = print_chunks("full", chunks)
    assert share == pytest.approx(0.2)
    out = dict(line.split("=") for line in capsys.readouterr().out.splitlines())
    assert float(out["full_phase_solve_s"]) == 10.0
    assert float(out["full_phase_bookkeeping_s"]) == 0.5
    assert float(out["full_after_solve_share"]) == pytest.approx(0.2)
    assert float(out["full_after_solve_with_distances_share"]) == pytest.approx(0.35)
    assert out["full_solved_alike"] == "30"
    assert float(out["full_solved_alike_share"]) == pytest.approx(0.075)
    assert print_chunks("steady", RunChunks()) is None
