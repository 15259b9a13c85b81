"""resolution.depsolve on tiny repositories written with createrepo_c (no database)."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import hawkey
import pytest

from resolution.depsolve import (
    ChangeImpact,
    DependencyChange,
    Depsolver,
    Nevra,
    RepoDiff,
    ResolvedDependency,
    SackError,
    canonical_problems,
    capability_names,
    dependency_changes,
    dependency_priority,
    diff_sacks,
    format_problem,
    install_set,
    load_sack,
    may_be_affected,
    richdeps,
    run_goal,
)
from resolution.repos import LocalRepo, RepoDescriptor
from tests.repo_builder import Rpm, write_repo

BASE = [
    Rpm("glibc", version="2.39", provides=["libc.so.6()(64bit)"]),
    Rpm("bash", version="5.2", requires=["libc.so.6()(64bit)"], files=["/bin/sh", "/usr/bin/bash"]),
    Rpm("coreutils", requires=["libc.so.6()(64bit)", "/bin/sh"]),
    Rpm("make", version="4.4", requires=["libc.so.6()(64bit)"], files=["/usr/bin/make"]),
    Rpm("gcc", version="14", requires=["cpp = 14-1", "libc.so.6()(64bit)"], files=["/usr/bin/gcc"]),
    Rpm("cpp", version="14", requires=["libc.so.6()(64bit)"]),
    Rpm("python3", version="3.12", requires=["python3-libs = 3.12-1"]),
    Rpm("python3-libs", version="3.12", requires=["libc.so.6()(64bit)"]),
    # a file that only the filelists know (primary lists just /etc, bin and lib dirs)
    Rpm("fonts", files=["/usr/share/fonts/dejavu/DejaVuSans.ttf"], arch="noarch"),
    Rpm("cyc-a", requires=["cyc-b"]),
    Rpm("cyc-b", requires=["cyc-a", "python3"]),
    Rpm("app", requires=["libapp = 1-1"], recommends=["app-docs"]),
    Rpm("libapp", requires=["glibc"]),
    Rpm("app-docs", arch="noarch"),
    Rpm("app-langpack", supplements=["(app and glibc)"], arch="noarch"),
    Rpm("broken", requires=["missing-thing >= 2"]),
    Rpm("needs-broken", requires=["broken"]),
    Rpm("conflicting", conflicts=["make"]),
    Rpm("epochal", epoch=2, version="1.0"),
    # file-list-only paths: one broken provider, one path in two packages
    Rpm("libbroken", files=["/usr/lib64/libbroken.so"], requires=["missing-thing"]),
    Rpm("zlib-ng", files=["/usr/lib64/libz.so"], version="2"),
    Rpm("zlib", files=["/usr/lib64/libz.so"], requires=["glibc"]),
]
GROUP = ["bash", "coreutils", "make", "not-in-repo"]


def make_sack(path: Path, packages: list[Rpm], groups: dict[str, list[str]] | None = None):
    built = write_repo(path, packages, groups or {"build": GROUP})
    return load_sack(built.local_repo(RepoDescriptor("primary", "f42-build", 1))).sack


@pytest.fixture(scope="module")
def sack(tmp_path_factory):
    return make_sack(tmp_path_factory.mktemp("repo"), BASE)


@pytest.fixture
def depsolver(sack):
    return Depsolver(sack)


def names(installs) -> list[str]:
    return sorted(p.name for p in installs)


def distances(resolution) -> dict[str, int | None]:
    return {dep.name: dep.distance for dep in resolution.dependencies}


# -- run_goal --------------------------------------------------------------------------------


def test_run_goal_installs_the_build_group_and_the_build_requires_with_their_deps(sack):
    result = run_goal(sack, ["gcc"], GROUP)
    assert result.resolved
    assert result.problems == []
    assert names(result.installs) == ["bash", "coreutils", "cpp", "gcc", "glibc", "make"]


def test_missing_build_require_is_a_problem_and_gives_no_installs(sack):
    result = run_goal(sack, ["gcc", "nope >= 2"], GROUP)
    assert not result.resolved
    assert result.problems == ["No package found for: nope >= 2"]
    assert result.installs is None


def test_malformed_build_require_is_reported_as_not_found(sack):
    result = run_goal(sack, ["gcc >= "], GROUP)
    assert result.problems == ["No package found for: gcc >= "]


def test_versioned_build_require_that_no_version_satisfies_is_not_found(sack):
    assert run_goal(sack, ["gcc >= 15"], []).problems == ["No package found for: gcc >= 15"]
    assert run_goal(sack, ["gcc >= 14"], []).resolved


@pytest.mark.parametrize(
    ("dep", "installed"),
    [
        ("/usr/bin/make", "make"),  # in primary: a provides selector finds it
        ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "fonts"),  # filelists only
    ],
)
def test_file_build_requires_are_resolved_through_file_lists(sack, dep, installed):
    result = run_goal(sack, [dep], [])
    assert result.resolved
    assert installed in names(result.installs)


def test_missing_file_build_require_is_a_problem(sack):
    assert run_goal(sack, ["/usr/bin/nope"], []).problems == ["No package found for: /usr/bin/nope"]


def test_matched_rich_build_require_is_installed(sack):
    result = run_goal(sack, ["(make or nothing-else)"], [])
    assert result.resolved
    assert names(result.installs) == ["glibc", "make"]


def test_unmatched_rich_build_require_is_ignored(sack):
    result = run_goal(sack, ["(nothing or nothing-else)", "make"], [])
    assert result.resolved
    assert result.problems == []
    assert names(result.installs) == ["glibc", "make"]


def test_weak_dependencies_are_installed_unless_ignored(sack):
    with_weak = run_goal(sack, ["app"], [])
    without = run_goal(sack, ["app"], [], ignore_weak_deps=True)
    assert names(with_weak.installs) == ["app", "app-docs", "app-langpack", "glibc", "libapp"]
    assert names(without.installs) == ["app", "glibc", "libapp"]


def test_missing_build_group_entries_are_skipped_silently(sack):
    result = run_goal(sack, [], ["not-in-repo", "also-missing", "bash"])
    assert result.resolved
    assert names(result.installs) == ["bash", "glibc"]


def test_unresolvable_build_group_gives_the_libsolv_problem(sack):
    result = run_goal(sack, [], ["bash", "broken"])
    assert not result.resolved
    assert result.problems == [
        "Problem: conflicting requests\n - nothing provides missing-thing >= 2 needed by "
        "broken-1-1.x86_64"
    ]


def test_broken_dependency_problem_strings_list_each_rule(sack):
    result = run_goal(sack, ["needs-broken", "nope"], [])
    assert result.problems == [
        "No package found for: nope",
        "Problem: package needs-broken-1-1.x86_64 requires broken, but none of the providers "
        "can be installed\n - conflicting requests\n - nothing provides missing-thing >= 2 "
        "needed by broken-1-1.x86_64",
    ]


def test_conflicts_are_problems(sack):
    result = run_goal(sack, ["conflicting"], GROUP)
    assert not result.resolved
    assert len(result.problems) == 1
    assert result.problems[0].startswith("Problem: ")
    assert "conflicting-1-1.x86_64 conflicts with make" in result.problems[0]


@pytest.mark.parametrize(
    ("rules", "text"),
    [
        (["conflicting requests"], "Problem: conflicting requests"),
        (["a", "b", "c"], "Problem: a\n - b\n - c"),
        ([], None),
    ],
)
def test_problem_rules_are_rendered_like_upstream(rules, text):
    assert format_problem(rules) == text


def test_problem_lines_depend_on_how_the_sack_was_loaded_but_canonical_ones_do_not(tmp_path):
    # libsolv lists a problem's rules in the order of the package's requires; the solv
    # cache stores requires sorted, so a second load gives the lines in another order
    built = write_repo(
        tmp_path / "repo",
        [Rpm("user", requires=["tool"]), Rpm("tool", requires=["aaa-gone", "zzz-gone"])],
    )
    local = built.local_repo()
    cold, warm = load_sack(local), load_sack(local)
    assert warm.from_cache and not cold.from_cache
    from_repodata = run_goal(cold.sack, ["user", "nope"], []).problems
    from_cache = run_goal(warm.sack, ["user", "nope"], []).problems
    assert from_repodata != from_cache
    assert (
        canonical_problems(from_repodata)
        == canonical_problems(from_cache)
        == [
            "No package found for: nope",
            "Problem: conflicting requests\n - nothing provides aaa-gone needed by tool-1-1.x86_64"
            "\n - nothing provides zzz-gone needed by tool-1-1.x86_64"
            "\n - package user-1-1.x86_64 requires tool, but none of the providers can be "
            "installed",
        ]
    )


@pytest.mark.parametrize(
    ("problems", "canonical"),
    [
        ([], []),
        (["b", "a", "b"], ["a", "b"]),
        # every rule of a problem is sorted, the first one too (libsolv may swap those)
        (["Problem: z\n - y\n - x\n - y"], ["Problem: x\n - y\n - z"]),
        (
            ["Problem: b\n - a", "No package found for: x", "Problem: a\n - b"],
            ["No package found for: x", "Problem: a\n - b"],
        ),
    ],
)
def test_canonical_problems_are_sorted_and_deduplicated_lines_and_sets(problems, canonical):
    assert canonical_problems(problems) == canonical


def test_depsolver_gives_the_same_goal_results_as_run_goal(sack, depsolver):
    for brs in (["gcc"], ["nope"], ["app", "/usr/bin/make"], ["needs-broken"]):
        for _ in range(2):  # the second time from the memo
            assert depsolver.run_goal(brs, GROUP) == run_goal(sack, brs, GROUP)


def upstream_run_goal(sack, build_requires, build_group, ignore_weak_deps=False):
    """A plain reference written from spec section 3.4: fresh selectors, file selector as is."""

    def selector(dep):
        sltr = hawkey.Selector(sack).set(provides=dep)
        if not sltr.matches() and dep.startswith("/"):
            sltr = hawkey.Selector(sack).set(file=dep)
        return sltr if sltr.matches() else None

    goal, problems = hawkey.Goal(sack), []
    for name in build_group:
        if (sltr := selector(name)) is not None:
            goal.install(select=sltr)
    for dep in build_requires:
        if (sltr := selector(dep)) is not None:
            goal.install(select=sltr)
        elif not dep.startswith("("):
            problems.append(f"No package found for: {dep}")
    goal.run(ignore_weak_deps=ignore_weak_deps)
    for first, *rest in goal.problem_rules():
        problems.append(f"Problem: {first}" + "".join(f"\n - {item}" for item in rest))
    installs = sorted(map(str, goal.list_installs())) if not problems else None
    return not problems, problems, installs


@pytest.mark.parametrize(
    "build_requires",
    [
        ["gcc"],
        ["/usr/lib64/libz.so"],
        ["/usr/lib64/libz.so", "zlib"],
        ["/usr/lib64/libbroken.so"],
        ["/usr/lib64/libbroken.so", "/usr/lib64/libz.so", "nope", "(a or b)"],
        ["/usr/share/fonts/dejavu/DejaVuSans.ttf", "app", "conflicting"],
        ["needs-broken", "/usr/bin/make"],
    ],
)
@pytest.mark.parametrize("ignore_weak_deps", [False, True])
def test_depsolver_gives_what_upstreams_run_goal_gives(sack, build_requires, ignore_weak_deps):
    ours = Depsolver(sack, ignore_weak_deps=ignore_weak_deps).run_goal(build_requires, GROUP)
    installs = sorted(map(str, ours.installs)) if ours.installs is not None else None
    expected = upstream_run_goal(sack, build_requires, GROUP, ignore_weak_deps)
    assert (ours.resolved, ours.problems, installs) == expected


# -- distances -------------------------------------------------------------------------------


def test_build_requires_are_at_distance_one_and_their_requires_at_two(depsolver):
    resolution = depsolver.resolve(["gcc"], GROUP)
    assert distances(resolution) == {
        "gcc": 1,
        "cpp": 2,
        "glibc": 2,
        "bash": None,
        "coreutils": None,
        "make": None,
    }


def test_build_group_only_packages_have_no_distance(depsolver):
    resolution = depsolver.resolve([], GROUP)
    assert resolution.resolved
    assert set(distances(resolution).values()) == {None}


def test_distances_on_a_dependency_cycle_are_shortest_paths(depsolver):
    resolution = depsolver.resolve(["cyc-a"], [])
    assert distances(resolution) == {
        "cyc-a": 1,
        "cyc-b": 2,
        "python3": 3,
        "python3-libs": 4,
        "glibc": 5,
    }
    assert distances(depsolver.resolve(["cyc-b"], []))["cyc-a"] == 2


def test_distances_with_several_build_requires_take_the_nearest(depsolver):
    resolution = depsolver.resolve(["cyc-a", "python3-libs", "/usr/bin/gcc"], [])
    assert distances(resolution) == {
        "cyc-a": 1,
        "python3-libs": 1,
        "gcc": 1,
        "cyc-b": 2,
        "cpp": 2,
        "glibc": 2,
        "python3": 3,
    }


def test_a_build_require_in_the_build_group_is_at_distance_one(depsolver):
    dist = distances(depsolver.resolve(["bash"], GROUP))
    assert dist["bash"] == 1
    assert dist["glibc"] == 2
    assert dist["coreutils"] is None  # requires /bin/sh, but nothing at distance 1 needs it


def test_file_requires_are_edges_to_the_package_holding_the_file(depsolver):
    dist = distances(depsolver.resolve(["coreutils"], []))
    assert dist == {"coreutils": 1, "bash": 2, "glibc": 2}  # /bin/sh is in bash


def test_recommends_and_supplements_are_edges_when_weak_deps_count(sack):
    resolution = Depsolver(sack).resolve(["app"], [])
    assert distances(resolution) == {
        "app": 1,
        "libapp": 2,
        "app-docs": 2,  # recommended by app
        "app-langpack": 2,  # supplements app (and glibc): pulled in by app
        "glibc": 3,  # required by libapp
    }


def test_weak_edges_do_not_count_when_weak_deps_are_ignored(sack):
    resolution = Depsolver(sack, ignore_weak_deps=True).resolve(["app", "app-docs"], [])
    assert distances(resolution) == {"app": 1, "app-docs": 1, "libapp": 2, "glibc": 3}
    # installed for another reason, a recommended package gets no edge from app
    resolution = Depsolver(sack, ignore_weak_deps=True).resolve(["app"], ["app-docs"])
    assert distances(resolution)["app-docs"] is None


def test_unresolved_resolution_has_no_dependencies_and_keeps_its_candidates(depsolver):
    resolution = depsolver.resolve(["needs-broken"], GROUP)
    assert not resolution.resolved
    assert resolution.dependencies is None
    # in place of an install set: every package the solver may have considered
    assert {n.name for n in resolution.install_set} == {
        "needs-broken",
        "broken",
        "bash",
        "coreutils",
        "make",
        "glibc",
    }


def test_candidates_follow_requires_recommends_rich_atoms_and_possible_supplements(sack):
    solver = Depsolver(sack)
    found = {p.name for p in solver.candidates(["app", "needs-broken"], ["bash"])}
    # app-docs is recommended; app-langpack supplements "(app and glibc)", both candidates
    assert found == {"app", "libapp", "app-docs", "app-langpack", "glibc", "bash"} | {
        "needs-broken",
        "broken",
    }
    # a conflict reaches nothing: "conflicting" (conflicts with make) is no candidate
    assert "conflicting" not in {p.name for p in solver.candidates(["make"], [])}
    # both ends of a rich BuildRequire are followed
    assert {p.name for p in solver.candidates(["(zlib or zlib-ng)"], [])} == {
        "zlib",
        "zlib-ng",
        "glibc",
    }


def test_dependencies_carry_epochs_and_are_sorted(depsolver):
    resolution = depsolver.resolve(["epochal"], [])
    assert resolution.dependencies == (ResolvedDependency("epochal", 2, "1.0", "1", "x86_64", 1),)
    assert str(resolution.dependencies[0].nevra) == "epochal-2:1.0-1.x86_64"
    assert str(Nevra("glibc", 0, "2.39", "1", "x86_64")) == "glibc-2.39-1.x86_64"


def test_install_set_is_sorted_nevras_and_reuse_gives_the_same_resolution(sack, depsolver):
    resolution = depsolver.resolve(["gcc", "app"], GROUP)
    assert resolution.install_set == tuple(sorted(resolution.install_set))
    assert resolution.install_set == tuple(d.nevra for d in resolution.dependencies)
    assert Depsolver(sack).reuse(resolution.install_set, ["gcc", "app"]) == resolution


# -- sack loading ----------------------------------------------------------------------------


def test_sack_reload_uses_the_solv_cache(tmp_path, record_property):
    built = write_repo(tmp_path / "repo", BASE, {"build": GROUP})
    local = built.local_repo()
    cold = load_sack(local)
    warm = load_sack(local)
    assert not cold.from_cache
    assert warm.from_cache
    assert sorted(local.solv_cachedir.iterdir())
    assert len(warm.sack) == len(cold.sack) == len(BASE)
    record_property("sack_load_cold_s", round(cold.seconds, 4))
    record_property("sack_load_warm_s", round(warm.seconds, 4))
    print(f"sack_load_cold_s={cold.seconds:.4f} sack_load_warm_s={warm.seconds:.4f}")


def test_unreadable_repodata_is_a_one_line_sack_error(tmp_path):
    built = write_repo(tmp_path / "repo", BASE[:2])
    built.primary.write_bytes(b"not gzip")
    with pytest.raises(SackError, match=r"cannot load repo primary-f42-build-1") as info:
        load_sack(built.local_repo(RepoDescriptor("primary", "f42-build", 1)))
    assert "\n" not in str(info.value)


def test_sack_arch_decides_what_is_installable(tmp_path):
    built = write_repo(tmp_path / "repo", [Rpm("tool", arch="aarch64")])
    local = built.local_repo()
    assert not run_goal(load_sack(local, arch="x86_64").sack, ["tool"], []).resolved
    shutil.rmtree(local.solv_cachedir)
    assert run_goal(load_sack(local, arch="aarch64").sack, ["tool"], []).resolved


# -- dependency changes and priority ---------------------------------------------------------


def dep(name, evr="1-1", arch="x86_64", distance=None) -> ResolvedDependency:
    epoch, _, vr = evr.rpartition(":")
    version, release = vr.split("-")
    return ResolvedDependency(name, int(epoch or 0), version, release, arch, distance)


def test_dependency_changes_give_one_row_per_name():
    prev = {dep("same", distance=1), dep("upgraded", "1-1"), dep("removed", distance=2)}
    curr = {dep("same", distance=1), dep("upgraded", "2-1", distance=3), dep("added", distance=4)}
    assert dependency_changes(prev, curr) == [
        DependencyChange("added", None, Nevra("added", 0, "1", "1", "x86_64"), 4),
        DependencyChange("removed", Nevra("removed", 0, "1", "1", "x86_64"), None, None),
        DependencyChange(
            "upgraded",
            Nevra("upgraded", 0, "1", "1", "x86_64"),
            Nevra("upgraded", 0, "2", "1", "x86_64"),
            3,
        ),
    ]


def test_an_epoch_change_alone_is_a_change():
    changes = dependency_changes({dep("foo", "1-1")}, {dep("foo", "1:1-1", distance=2)})
    assert changes == [
        DependencyChange(
            "foo", Nevra("foo", 0, "1", "1", "x86_64"), Nevra("foo", 1, "1", "1", "x86_64"), 2
        )
    ]


def test_previous_set_may_be_plain_nevras():
    changes = dependency_changes(
        [Nevra("foo", 0, "1", "1", "noarch")], [dep("foo", "2-1", "noarch", 1)]
    )
    assert [(c.prev.version, c.curr.version, c.distance) for c in changes] == [("1", "2", 1)]


def test_an_arch_switch_is_one_row():
    changes = dependency_changes(
        {dep("foo", arch="noarch")}, {dep("foo", arch="x86_64", distance=2)}
    )
    assert len(changes) == 1
    assert (changes[0].prev.arch, changes[0].curr.arch) == ("noarch", "x86_64")


def test_multilib_names_keep_one_row_per_arch():
    prev = {dep("glibc", "1-1", "x86_64"), dep("glibc", "1-1", "i686")}
    curr = {dep("glibc", "2-1", "x86_64", 2), dep("glibc", "2-1", "i686", 3)}
    changes = dependency_changes(prev, curr)
    assert [(c.curr.arch, c.prev.arch, c.distance) for c in changes] == [
        ("i686", "i686", 3),
        ("x86_64", "x86_64", 2),
    ]


@pytest.mark.parametrize(
    ("prev", "curr"), [(None, {dep("a")}), ({dep("a")}, None), (set(), {dep("a")})]
)
def test_no_changes_without_both_sets(prev, curr):
    assert dependency_changes(prev, curr) == []


def test_identical_sets_have_no_changes():
    assert dependency_changes({dep("a", distance=1)}, {dep("a", distance=2)}) == []


@pytest.mark.parametrize(
    ("distances", "expected"),
    [
        ([], 0),
        ([1], 256),
        ([2, 4], 192),
        ([None], 32),  # no distance weighs as 8
        ([3], 85),  # int() of the sum, not of each term
        ([3, 3, 3], 256),
    ],
)
def test_dependency_priority_sums_update_over_distance(distances, expected):
    changes = [DependencyChange("x", None, None, d) for d in distances]
    assert dependency_priority(changes) == expected


def test_dependency_priority_takes_the_configured_update_weight():
    changes = [DependencyChange("x", None, None, 2)]
    assert dependency_priority(changes, package_update=100) == 50


def test_changes_between_two_resolutions_end_to_end(tmp_path):
    old = make_sack(tmp_path / "old", BASE)
    upgraded = [Rpm("cpp", version="14.1", requires=["libc.so.6()(64bit)"])]
    new_base = [p for p in BASE if p.name not in ("cpp", "gcc")] + upgraded
    new_base.append(Rpm("gcc", version="14", requires=["cpp >= 14", "libc.so.6()(64bit)"]))
    new = make_sack(tmp_path / "new", new_base)
    before = Depsolver(old).resolve(["gcc"], GROUP)
    after = Depsolver(new).resolve(["gcc"], GROUP)
    changes = dependency_changes(before.dependencies, after.dependencies)
    assert [(c.name, c.prev.version, c.curr.version, c.distance) for c in changes] == [
        ("cpp", "14", "14.1", 2)
    ]
    assert dependency_priority(changes) == 128


# -- incremental -----------------------------------------------------------------------------


def test_capability_names_of_plain_versioned_and_rich_dependencies():
    assert capability_names("foo") == {"foo"}
    assert capability_names("foo >= 1:2-3") == {"foo"}
    assert capability_names("/usr/bin/sh") == {"/usr/bin/sh"}
    assert capability_names("(a >= 1 with a < 2)") == {"a"}
    assert capability_names("(x if (y or z) else w)") == {"x", "y", "z", "w"}
    assert capability_names("python3dist(foo) = 1") == {"python3dist(foo)"}
    assert capability_names("(perl(A::B) >= 2 or (x(y) and /bin/z))") == {
        "perl(A::B)",
        "x(y)",
        "/bin/z",
    }


def test_diff_sacks_finds_added_removed_and_rebuilt_packages(tmp_path):
    old = make_sack(tmp_path / "old", [Rpm("a"), Rpm("b"), Rpm("c")])
    new = make_sack(tmp_path / "new", [Rpm("a"), Rpm("b", version="2"), Rpm("d")])
    diff = diff_sacks(old, new)
    assert diff.added == {Nevra("b", 0, "2", "1", "x86_64"), Nevra("d", 0, "1", "1", "x86_64")}
    assert diff.removed == {Nevra("b", 0, "1", "1", "x86_64"), Nevra("c", 0, "1", "1", "x86_64")}
    same = RepoDiff.between(
        {Nevra("a", 0, "1", "1", "x86_64"): "x"}, {Nevra("a", 0, "1", "1", "x86_64"): "y"}
    )
    assert same.added == same.removed == {Nevra("a", 0, "1", "1", "x86_64")}


INCREMENTAL_BASE = [
    Rpm("glibc", provides=["libc.so.6()(64bit)"]),
    Rpm("bash", requires=["libc.so.6()(64bit)"], files=["/bin/sh"]),
    Rpm(
        "tool",
        requires=["libc.so.6()(64bit)", "(plugin-a or plugin-b)"],
        recommends=["tool-extras"],
    ),
    Rpm("plugin-b"),
    Rpm("unrelated"),
]

#: (added packages, expected "may be affected" for BuildRequires ["tool"] and group ["bash"])
INCREMENTAL_CASES = {
    "unrelated addition": ([Rpm("newcomer", requires=["glibc"])], False),
    "new provider of a BR": ([Rpm("tool-ng", provides=["tool"])], True),
    "new provider of a group entry": ([Rpm("bash-ng", provides=["bash"])], True),
    "new provider of a library in the install set": (
        [Rpm("musl", provides=["libc.so.6()(64bit)"])],
        True,
    ),
    "new provider inside a rich requirement": ([Rpm("plugin-a")], True),
    "new provider of a recommended capability": ([Rpm("tool-extras")], True),
    "new file provider": ([Rpm("busybox", files=["/bin/sh"])], False),  # nothing requires /bin/sh
    "supplements something installed": ([Rpm("tool-lang", supplements=["tool"])], True),
    "conflicts with an installed provide": ([Rpm("rebel", conflicts=["libc.so.6()(64bit)"])], True),
    "obsoletes an installed provide": ([Rpm("plugin-c", obsoletes=["plugin-b < 2"])], True),
    "obsoletes a version not installed": ([Rpm("plugin-c", obsoletes=["plugin-b < 1"])], False),
}


@pytest.mark.parametrize("case", INCREMENTAL_CASES)
def test_may_be_affected_follows_the_design_rules(tmp_path, case):
    added, expected = INCREMENTAL_CASES[case]
    old = make_sack(tmp_path / "old", INCREMENTAL_BASE, {"build": ["bash"]})
    new = make_sack(tmp_path / "new", INCREMENTAL_BASE + added, {"build": ["bash"]})
    previous = Depsolver(old).resolve(["tool"], ["bash"])
    diff = diff_sacks(old, new)
    affected = may_be_affected(
        previous.install_set, ["tool"], ["bash"], diff.added, diff.removed, new
    )
    assert affected is expected
    if not affected:  # then the stored install set is what a full resolution gives
        full = Depsolver(new).resolve(["tool"], ["bash"])
        assert Depsolver(new).reuse(previous.install_set, ["tool"]) == full


def test_weak_rules_are_off_when_weak_deps_are_ignored(tmp_path):
    old = make_sack(tmp_path / "old", INCREMENTAL_BASE)
    added = [Rpm("tool-extras"), Rpm("tool-lang", supplements=["tool"])]
    new = make_sack(tmp_path / "new", INCREMENTAL_BASE + added)
    previous = Depsolver(old, ignore_weak_deps=True).resolve(["tool"], ["bash"])
    impact = ChangeImpact(new, diff_sacks(old, new), ignore_weak_deps=True)
    assert not impact.may_affect(previous.install_set, ["tool"], ["bash"])
    assert ChangeImpact(new, diff_sacks(old, new)).may_affect(
        previous.install_set, ["tool"], ["bash"]
    )


def test_removed_package_in_the_install_set_affects_it(tmp_path):
    old = make_sack(tmp_path / "old", INCREMENTAL_BASE)
    new = make_sack(tmp_path / "new", [*INCREMENTAL_BASE[:3], Rpm("plugin-a"), INCREMENTAL_BASE[4]])
    previous = Depsolver(old).resolve(["tool"], ["bash"])
    impact = ChangeImpact(new, diff_sacks(old, new))
    assert impact.may_affect(previous.install_set, ["tool"], ["bash"])
    assert not impact.may_affect(
        Depsolver(old).resolve(["unrelated"], []).install_set, ["unrelated"], []
    )


def test_an_installed_package_that_conflicts_with_an_addition_is_affected(tmp_path):
    base = [*INCREMENTAL_BASE, Rpm("strict", conflicts=["newlib"])]
    old = make_sack(tmp_path / "old", base)
    new = make_sack(tmp_path / "new", [*base, Rpm("newlib")])
    previous = Depsolver(old).resolve(["strict"], [])
    assert ChangeImpact(new, diff_sacks(old, new)).may_affect(previous.install_set, ["strict"], [])


def test_incremental_result_equals_a_full_resolution_over_a_small_distribution(tmp_path):
    old_pkgs = BASE
    new_pkgs = [p for p in BASE if p.name != "cpp"] + [
        Rpm("cpp", version="14.1", requires=["libc.so.6()(64bit)"]),
        Rpm("perl", requires=["glibc"]),
    ]
    old = make_sack(tmp_path / "old", old_pkgs)
    new = make_sack(tmp_path / "new", new_pkgs)
    impact = ChangeImpact(new, diff_sacks(old, new))
    full, old_solver, new_solver = Depsolver(new), Depsolver(old), Depsolver(new)
    affected = []
    for brs in (["gcc"], ["make"], ["app"], ["cyc-a"], ["/usr/bin/bash"], ["epochal"], ["perl"]):
        previous = old_solver.resolve(brs, GROUP)
        if previous.install_set is None or impact.may_affect(previous.install_set, brs, GROUP):
            affected.append(brs[0])
            result = new_solver.resolve(brs, GROUP)
        else:
            result = new_solver.reuse(previous.install_set, brs)
        assert result == full.resolve(brs, GROUP)
    assert affected == ["gcc", "perl"]


def test_install_set_drops_source_packages():
    class Fake:
        def __init__(self, name, arch):
            self.name, self.epoch, self.version, self.release, self.arch = name, 0, "1", "1", arch

    assert install_set([Fake("b", "src"), Fake("b", "x86_64"), Fake("a", "noarch")]) == (
        Nevra("a", 0, "1", "1", "noarch"),
        Nevra("b", 0, "1", "1", "x86_64"),
    )


def test_local_repo_without_filelists_still_loads(tmp_path):
    built = write_repo(tmp_path / "repo", [Rpm("make", files=["/usr/bin/make"])])
    local = LocalRepo(
        built.local_repo().descriptor, built.path, built.repomd, built.primary, None, None
    )
    assert run_goal(load_sack(local).sack, ["make"], []).resolved


# -- rich dependencies and Supplements -------------------------------------------------------


def test_rich_dependencies_parse_into_trees():
    assert richdeps.parse("foo >= 2") == richdeps.Atom("foo >= 2")
    assert richdeps.parse("(a and (b >= 1 or perl(C::D)))") == richdeps.Op(
        "and",
        richdeps.Atom("a"),
        richdeps.Op("or", richdeps.Atom("b >= 1"), richdeps.Atom("perl(C::D)")),
    )
    assert richdeps.parse("(a if b else c)") == richdeps.Op(
        "if", richdeps.Atom("a"), richdeps.Op("else", richdeps.Atom("b"), richdeps.Atom("c"))
    )


@pytest.mark.parametrize("text", ["(a and", "(a b)", "(and b)", "(a) b", "(a or )"])
def test_malformed_rich_dependencies_raise_and_still_give_names(text):
    with pytest.raises(richdeps.RichDepError):
        richdeps.parse(text)
    assert "a" in capability_names(text) or "b" in capability_names(text)


@pytest.mark.parametrize(
    ("text", "present", "expected"),
    [
        ("(a and b)", {"a"}, False),
        ("(a and b)", {"a", "b"}, True),
        ("(a or b)", {"b"}, True),
        ("(a if b)", set(), True),  # libsolv: a, or not b
        ("(a if b)", {"b"}, False),
        ("(a if b else c)", {"c"}, True),
        ("(a if b else c)", {"b", "c"}, False),
        ("(a unless b)", {"a"}, True),
        ("(a unless b)", {"a", "b"}, False),
        ("(a unless b else c)", {"b", "c"}, True),
        ("(a with b)", {"a", "b"}, True),
        ("(a without b)", {"a", "b"}, True),  # evaluated generously
    ],
)
def test_rich_dependencies_hold_like_libsolv_says(text, present, expected):
    assert richdeps.holds(richdeps.parse(text), lambda atom: atom.name in present) is expected


@pytest.mark.parametrize(
    ("text", "present", "expected"),
    [
        ("(a and b)", {"a"}, False),
        ("(a and b)", {"a", "b"}, True),
        ("(a or b)", {"b"}, True),
        ("(a or b)", set(), False),
        ("(a if b)", set(), True),  # conditionals are always possible (libsolv)
        ("(a unless b)", {"a", "b"}, True),
        ("(a if b else c)", set(), True),
        ("(a with b)", {"a"}, False),
        ("(a without b)", {"a", "b"}, True),
        ("((a or b) and c)", {"b", "c"}, True),
    ],
)
def test_rich_dependencies_are_possible_like_libsolv_says(text, present, expected):
    assert richdeps.possible(richdeps.parse(text), lambda atom: atom.name in present) is expected


def test_a_failed_goal_is_touched_only_through_its_candidates(tmp_path):
    base = [
        *INCREMENTAL_BASE,
        Rpm("broken", requires=["missing-lib"]),
        Rpm("bad", requires=["broken"]),
    ]
    old = make_sack(tmp_path / "old", base)
    failed = Depsolver(old).resolve(["bad"], ["bash"])
    assert not failed.resolved
    cases = {
        "unrelated": ([Rpm("newcomer", requires=["glibc"])], False),
        "provider of the missing library": ([Rpm("missing", provides=["missing-lib"])], True),
        "supplements over unrelated packages": ([Rpm("x", supplements=["(tool and bash)"])], False),
        "supplements over candidates": ([Rpm("x", supplements=["(broken and bash)"])], True),
        "a conditional Supplements is always possible": (
            [Rpm("x", supplements=["(tool if bash)"])],
            True,
        ),
    }
    for name, (added, expected) in cases.items():
        new = make_sack(tmp_path / name.replace(" ", "-"), base + added)
        impact = ChangeImpact(new, diff_sacks(old, new))
        touched = impact.touches_members(set(failed.install_set), candidates=True)
        assert touched is expected, name
        if not touched:  # untouched: the goal fails the same way
            assert Depsolver(new).resolve(["bad"], ["bash"]) == failed, name


def test_rich_supplements_count_only_when_they_hold_for_the_install_set(tmp_path):
    old = make_sack(tmp_path / "old", INCREMENTAL_BASE)
    added = [
        Rpm("other-completion", supplements=["(other and bash)"]),  # other is not installed
        Rpm("tool-completion", supplements=["(tool and bash)"]),
    ]
    new = make_sack(tmp_path / "new", INCREMENTAL_BASE + added[:1])
    newer = make_sack(tmp_path / "newer", INCREMENTAL_BASE + added)
    previous = Depsolver(old).resolve(["tool"], ["bash"])
    assert not ChangeImpact(new, diff_sacks(old, new)).may_affect(
        previous.install_set, ["tool"], ["bash"]
    )
    assert Depsolver(new).resolve(["tool"], ["bash"]) == previous
    assert ChangeImpact(newer, diff_sacks(old, newer)).may_affect(
        set(previous.install_set), ["tool"], ["bash"]
    )
    assert "tool-completion" in {
        d.name for d in Depsolver(newer).resolve(["tool"], ["bash"]).dependencies
    }


def test_an_impact_pickles_without_its_sack_and_answers_the_same(tmp_path):
    old = make_sack(tmp_path / "old", INCREMENTAL_BASE)
    added = [Rpm("tool-completion", supplements=["(tool and bash)"]), Rpm("newcomer")]
    new = make_sack(tmp_path / "new", INCREMENTAL_BASE + added)
    impact = ChangeImpact(new, diff_sacks(old, new))
    copy = pickle.loads(pickle.dumps(impact))  # noqa: S301 - our own bytes
    assert copy.sack is None and impact.sack is new
    assert (copy.hot, copy.capabilities, copy.diff) == (
        impact.hot,
        impact.capabilities,
        impact.diff,
    )
    for brs in (["tool"], ["bash"], ["newcomer"], ["glibc"]):
        installs = Depsolver(old).resolve(brs, ["bash"]).install_set
        assert copy.may_affect(installs, brs, ["bash"]) == impact.may_affect(
            installs, brs, ["bash"]
        )
    ids = {
        n: i
        for i, n in enumerate(sorted(impact.hot | set().union(*impact.atom_providers.values())))
    }
    assert copy.keyed(ids).hot == impact.keyed(ids).hot


def test_indexed_file_owners_give_what_hawkeys_file_search_gives(tmp_path):
    packages = [
        Rpm("busybox", files=["/usr/bin/sh", "/usr/bin/vi"]),
        Rpm("vim", files=["/usr/bin/vi"]),
        Rpm("fonts", files=["/usr/share/fonts/a.ttf"], arch="noarch"),
    ]
    sack = make_sack(tmp_path / "repo", packages)
    paths = ["/usr/bin/vi", "/usr/bin/sh", "/usr/bin/nothing", "/usr/share/fonts/a.ttf"]
    plain, indexed = Depsolver(sack), Depsolver(sack)
    indexed.prepare_files(["/usr/bin/vi"])  # one path: left to hawkey's search
    assert indexed._owners("/usr/bin/vi") is None
    indexed.prepare_files(["/usr/bin/vi", "/usr/bin/x"], min_paths=2)  # indexes /usr/bin only
    assert indexed._owners("/usr/share/fonts/a.ttf") is None  # not indexed: hawkey searches
    assert indexed._owners("/usr/bin/v*") is None  # a glob: hawkey matches it
    assert {p.name for p in indexed._owners("/usr/bin/vi")} == {"busybox", "vim"}
    for path in [*paths, "/usr/bin/v*"]:
        assert indexed._match(path)[1] == plain._match(path)[1]
        assert indexed.resolve([path], []) == plain.resolve([path], [])
