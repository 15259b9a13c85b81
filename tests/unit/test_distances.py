"""Exact distances over integer arrays equal the pure-Python reference (no database).

Both on the tiny hand-written repo of ``test_depsolve`` (cycles, file deps, a Recommends,
a rich Supplements) and on a distribution made by the project's generator, with weak
dependencies honoured and ignored: every resolved package's ``ResolvedDependency`` rows
and install set must be what the reference distances and a plain sort give.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from resolution.depsolve import (
    Depsolver,
    Nevra,
    Request,
    ResolvedDependency,
    goal,
    install_set,
    load_sack,
)
from resolution.depsolve.goal import SMALL_BATCH
from resolution.depsolve.graph import depths
from resolution.depsolve.sack import SackIndex
from resolution.repos import LocalRepo, RepoDescriptor
from tests.reference_distances import reference_distances
from tests.unit.test_depsolve import BASE, make_sack

ROOT = Path(__file__).resolve().parents[2]
SOURCES, SEED = 800, 7


def expected(solver: Depsolver, installs: list[Any], brs: list[str]) -> tuple[Any, Any]:
    """The rows and install set the reference gives for a resolved goal."""
    binaries = [p for p in installs if p.arch != "src"]
    distance = reference_distances(solver, binaries, brs)
    rows = sorted(ResolvedDependency(*Nevra.of(p), distance.get(p)) for p in binaries)
    return tuple(rows), install_set(binaries)


def compare(solver: Depsolver, cases: list[list[str]], group: list[str]) -> int:
    """Resolve each case and assert it matches the reference; return how many resolved."""
    resolved = 0
    for brs in cases:
        goal = solver.run_goal(brs, group)
        if goal.installs is None:
            continue
        resolution = solver.resolve(brs, group)
        assert (resolution.dependencies, resolution.install_set) == expected(
            solver, goal.installs, brs
        ), brs
        resolved += 1
    return resolved


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_sack(tmp_path_factory.mktemp("repo"), BASE)


@pytest.mark.parametrize("ignore_weak_deps", [False, True])
def test_distances_equal_the_reference_on_the_tiny_repo(tiny: Any, ignore_weak_deps: bool) -> None:
    names = [rpm.name for rpm in BASE]
    cases = [[n] for n in names] + [[a, b] for a, b in zip(names, reversed(names), strict=True)]
    cases += [["/usr/lib64/libz.so", "app"], ["(app and glibc)"], []]
    solver = Depsolver(tiny, ignore_weak_deps=ignore_weak_deps)
    assert compare(solver, cases, ["bash", "coreutils", "make"]) > len(names) // 2


def test_a_supplementing_package_is_one_step_below_what_it_supplements(tiny: Any) -> None:
    # app-langpack supplements "(app and glibc)"; hawkey gives both as what it names
    solver = Depsolver(tiny)
    installs = solver.run_goal(["app"], []).installs
    distance = {p.name: d for p, d in solver.distances(installs, ["app"]).items()}
    assert distance["app"] == 1
    assert distance["app-langpack"] == 2
    ignoring = Depsolver(tiny, ignore_weak_deps=True)
    assert "app-langpack" not in {p.name for p in ignoring.distances(installs, ["app"])}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[str], list[list[str]]]:
    """A sack of a generated distribution, its build group and every source's BuildRequires."""
    out = tmp_path_factory.mktemp("generated") / "distro"
    command = [sys.executable, "-m", "kojisim.generate", str(out), f"--sources={SOURCES}"]
    command.append(f"--seed={SEED}")
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120)
    repodata = out / "repodata"

    def one(suffix: str) -> Path:
        return next(repodata.glob(f"*-{suffix}"))

    local = LocalRepo(
        RepoDescriptor("primary", "sim-build", 1),
        out,
        repodata / "repomd.xml",
        one("primary.xml.gz"),
        one("filelists.xml.gz"),
        one("comps.xml.gz"),
    )
    with gzip.open(out / "sources.json.gz", "rt") as handle:
        sources = json.load(handle)
    requires = [[str(d) for d in p.get("build_requires") or []] for p in sources["packages"]]
    return load_sack(local).sack, list(sources["build_group"]), requires


@pytest.mark.parametrize("ignore_weak_deps", [False, True])
def test_distances_equal_the_reference_on_a_generated_distribution(
    generated: tuple[Any, list[str], list[list[str]]], ignore_weak_deps: bool
) -> None:
    sack, group, requires = generated
    solver = Depsolver(sack, ignore_weak_deps=ignore_weak_deps)
    assert compare(solver, requires[::2], group) > SOURCES // 2 * 0.9


def test_one_batch_gives_each_package_what_it_gets_alone(
    generated: tuple[Any, list[str], list[list[str]]],
) -> None:
    sack, group, requires = generated
    batch = Depsolver(sack).resolve_many([Request(brs, group) for brs in requires[1::2]])
    alone = Depsolver(sack)
    for brs, (resolution, reused) in zip(requires[1::2], batch, strict=True):
        assert not reused
        assert resolution == alone.resolve(brs, group)
        goal = alone.run_goal(brs, group)
        if goal.installs is not None:
            rows = (resolution.dependencies, resolution.install_set)
            assert rows == expected(alone, goal.installs, brs)


def test_small_batches_list_install_sets_without_a_sack_index(
    generated: tuple[Any, list[str], list[list[str]]],
) -> None:
    sack, group, requires = generated
    requests = [Request(brs, group) for brs in requires[: 2 * SMALL_BATCH]]
    indexed = Depsolver(sack).resolve_many(requests)
    small = Depsolver(sack)
    listed = []
    for start in range(0, len(requests), SMALL_BATCH // 4):
        listed += small.resolve_many(requests[start : start + SMALL_BATCH // 4])
    assert small._sack_index is None
    assert sum(r.resolved for r, _ in listed) > SMALL_BATCH
    assert listed == indexed


def test_forgetting_the_memos_changes_no_result(
    generated: tuple[Any, list[str], list[list[str]]],
) -> None:
    sack, group, requires = generated
    solver = Depsolver(sack)
    first = solver.resolve_many([Request(brs, group) for brs in requires[:200]])
    solver.forget_memos()
    assert solver._matches == {} and solver._graph is None and solver._sack_index is None
    # in the other order: memos made by other packages first
    again = solver.resolve_many([Request(brs, group) for brs in requires[199::-1]])
    assert again[::-1] == first


def test_packages_with_the_same_inputs_share_one_goal(
    generated: tuple[Any, list[str], list[list[str]]],
) -> None:
    sack, group, requires = generated
    solver = Depsolver(sack)
    half = len(requires) // 2
    results = solver.resolve_many([Request(brs, group) for brs in requires[:half]])
    results += solver.resolve_many([Request(brs, group) for brs in requires[half:]])
    distinct = {tuple(brs) for brs in requires}
    assert solver.clock.goals == len(distinct)
    assert solver.clock.shared == len(requires) - len(distinct) > 0
    first: dict[tuple[str, ...], Any] = {}
    repeated = 0
    for brs, (resolution, reused) in zip(requires, results, strict=True):
        assert not reused
        if tuple(brs) in first:
            assert resolution == first[tuple(brs)]
            repeated += 1
        elif repeated < 25 and requires.count(brs) > 1:  # a fresh solver agrees
            assert resolution == Depsolver(sack).resolve(brs, group)
        first.setdefault(tuple(brs), resolution)
    assert repeated > 0


def test_a_remembered_resolution_is_handed_out_without_the_rows_a_caller_made(tiny: Any) -> None:
    solver = Depsolver(tiny)
    first = solver.resolve(["app"], ["bash"])
    assert first.dependencies
    again = solver.resolve(["app"], ["bash"])
    assert again == first and again is not first
    assert "dependencies" not in vars(again)
    assert solver.clock.shared == 1


def test_remembered_resolutions_are_bounded_and_follow_the_order_of_the_inputs(
    tiny: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(goal, "RESOLUTIONS_KEPT", 2)
    solver = Depsolver(tiny)
    group = ["bash"]
    for brs in (["app"], ["make"], ["app"], ["coreutils"], ["make"], ["app"]):
        solver.resolve(brs, group)
    # app, make, (app), coreutils: make forgotten, make, app forgotten, app
    assert (solver.clock.goals, solver.clock.shared) == (5, 1)
    solver.resolve(["app", "make"], group)
    solver.resolve(["make", "app"], group)
    solver.resolve(["app", "make"], ["coreutils"])
    assert solver.clock.goals == 8
    solver.forget_memos()
    solver.resolve(["app", "make"], ["coreutils"])
    assert solver.clock.goals == 9


def test_a_stored_install_set_is_reused_unless_a_member_left_the_sack(tiny: Any) -> None:
    solver = Depsolver(tiny)
    fresh = solver.resolve(["app"], ["bash"])
    assert fresh.install_set is not None
    gone = Nevra("app-docs", 0, "9", "9", "noarch")
    batch = solver.resolve_many(
        [
            Request(["app"], ["bash"], fresh.install_set),
            Request(["app"], ["bash"], (*fresh.install_set, gone)),
        ]
    )
    assert batch == [(fresh, True), (fresh, False)]


def test_depths_follow_the_shortest_path_and_leave_the_unreached_at_zero() -> None:
    # 0 -> 1 -> 2 -> 3, 0 -> 3, 4 unreached, root 5 -> 0
    edges = {0: [1, 3], 1: [2], 2: [3], 5: [0]}
    indptr = np.cumsum([0] + [len(edges.get(i, [])) for i in range(6)])
    indices = np.array([t for i in range(6) for t in edges.get(i, [])])
    assert depths(indptr, indices, 5).tolist() == [1, 2, 3, 2, 0, 0]


def test_a_package_hashes_to_its_dense_solvable_id(tiny: Any) -> None:
    index = SackIndex.of(tiny)
    nevras = [n for n in index.nevras if n is not None]
    assert sorted(nevras) == sorted(index.by_nevra)
    assert index.size <= len(nevras) + 3
    for nevra, package in index.by_nevra.items():
        assert index.nevras[hash(package)] == nevra
