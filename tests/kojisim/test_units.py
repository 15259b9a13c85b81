"""The simulator's pure helpers, without a server."""

from __future__ import annotations

import pytest

from kojisim.control.faults import FaultInjector
from kojisim.control.ops import bump_release
from kojisim.core.model import Rpm
from kojisim.core.rpmdeps import Dep, compare_evr, evr_matches, parse_dep
from kojisim.core.util import apply_query_opts
from kojisim.engine.builders import BinarySpec, SourceSpec, arch_list, planned_binaries
from kojisim.engine.resolver import RepoIndex, Resolver, _rich_alternatives


@pytest.mark.parametrize(
    ("text", "dep"),
    [
        ("foo", Dep("foo")),
        ("foo >= 1.0", Dep("foo", 12, "1.0")),
        ("foo = 1:2.0-3", Dep("foo", 8, "1:2.0-3")),
        ("foo < 2", Dep("foo", 2, "2")),
        ("(a or b)", Dep("(a or b)")),
        ("/usr/bin/make", Dep("/usr/bin/make")),
    ],
)
def test_parse_dependency_strings(text, dep):
    assert parse_dep(text) == dep
    assert str(parse_dep(text)) == text


@pytest.mark.parametrize(
    ("left", "right", "result"),
    [
        ("1.0", "1.0", 0),
        ("1.0-2", "1.0-1", 1),
        ("1.0", "1.0-5", 0),
        ("1:0.1", "2.0", 1),
        ("2.0", "10.0", -1),
    ],
)
def test_compare_evr(left, right, result):
    assert compare_evr(left, right) == result


def test_evr_ranges():
    assert evr_matches("3.0-1", 12, "3")
    assert not evr_matches("2.9-1", 12, "3")
    assert evr_matches("2.9-1", 2, "3")


def _srpm(buildarchs=(), exclusive=(), exclude=()):
    return Rpm(
        1,
        1,
        "x",
        "1",
        "1",
        None,
        "src",
        buildarchs=buildarchs,
        exclusivearch=exclusive,
        excludearch=exclude,
    )


@pytest.mark.parametrize(
    ("srpm", "override", "arches"),
    [
        (_srpm(), None, ["x86_64", "aarch64", "i686"]),
        (_srpm(buildarchs=("noarch",)), None, ["noarch"]),
        (_srpm(exclusive=("x86_64", "ppc64le")), None, ["x86_64"]),
        (_srpm(exclude=("i686",)), None, ["x86_64", "aarch64"]),
        (_srpm(), "aarch64 s390x", ["aarch64"]),
    ],
)
def test_arch_list_follows_kojid(srpm, override, arches):
    assert arch_list(["x86_64", "aarch64", "i686"], srpm, override) == arches


def test_planned_binaries_per_arch():
    spec = SourceSpec("x", "1", "1", binaries=[BinarySpec("x"), BinarySpec("x-doc", arch="noarch")])
    assert planned_binaries(spec, "x86_64") == [("x", "x86_64"), ("x-doc", "noarch")]
    assert planned_binaries(spec, "noarch") == [("x", "noarch"), ("x-doc", "noarch")]


def _rpm(ident, name, version="1", provides=(), requires=(), files=()):
    own = Dep(name, 8, f"{version}-1")
    return Rpm(
        ident,
        1,
        name,
        version,
        "1",
        None,
        "x86_64",
        provides=(own, *provides),
        requires=requires,
        files=files,
    )


def test_resolver_follows_requires_and_prefers_newest():
    index = RepoIndex(
        [
            _rpm(1, "bar", "1"),
            _rpm(2, "bar", "3"),
            _rpm(3, "bar-devel", "3", requires=(parse_dep("bar = 3-1"),)),
            _rpm(4, "make", files=("/usr/bin/make",)),
        ]
    )
    result = Resolver(index).resolve(
        [parse_dep("bar-devel"), parse_dep("/usr/bin/make")], ["missing-group-pkg"]
    )
    assert result.ok
    assert sorted(r.id for r in result.installed) == [2, 3, 4]
    assert result.has("bar >= 3") is not None
    assert result.has("bar < 3") is None
    broken = Resolver(index).resolve([parse_dep("nope >= 1")], [])
    assert broken.missing == ["nope >= 1"]


def test_rich_dependencies():
    assert _rich_alternatives("(a or (b and c))") == [["a"], ["b", "c"]]
    assert _rich_alternatives("(pkgconfig(x) >= 2 or perl(Foo::Bar))") == [
        ["pkgconfig(x) >= 2"],
        ["perl(Foo::Bar)"],
    ]


@pytest.mark.parametrize(
    ("old", "new"), [("1.fc42", "2.fc42"), ("7", "8"), ("0.rc1", "1.rc1"), ("git", "git.1")]
)
def test_bump_release(old, new):
    assert bump_release(old) == new


def test_fault_rules_fire_count_times():
    faults = FaultInjector()
    faults.add({"kind": "drop", "method": "build", "count": 2})
    faults.add({"kind": "latency", "method": "get*", "delay": 0.5, "count": -1})
    assert faults.for_request("getTag", [])[0] == 0.5
    assert faults.for_request("build", [])[1].kind == "drop"
    assert faults.for_request("multiCall", ["build"])[1].kind == "drop"
    assert faults.for_request("build", [])[1] is None
    faults.add({"kind": "fault", "method": "getTaskResult", "code": 1001})
    assert (
        faults.for_request("multiCall", ["getTaskResult"])[1] is None
    )  # the inner call fails instead
    assert faults.for_call("getTaskResult").code == 1001
    with pytest.raises(ValueError, match="unknown fault kind"):
        faults.add({"kind": "nope"})


def test_query_opts():
    rows = [{"id": 3, "name": "c"}, {"id": 1, "name": "a"}, {"id": 2, "name": None}]
    assert [r["id"] for r in apply_query_opts(rows, {"order": "name"})] == [1, 3, 2]
    assert [r["id"] for r in apply_query_opts(rows, {"order": "-id", "limit": 2})] == [3, 2]
    assert apply_query_opts(rows, {"countOnly": True}) == 3
    assert apply_query_opts(rows, {"asList": True, "order": "id", "offset": 2}) == [[3, "c"]]
