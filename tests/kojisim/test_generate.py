"""The synthetic distribution generator: real repodata that hawkey resolves, seeded output,
and an updated snapshot that differs by exactly the requested number of binaries."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import hawkey
import librepo
import pytest

from kojisim.generate import main

ROOT = Path(__file__).resolve().parents[2]
SOURCES, SEED, CHANGED = 200, 7, 80


def generate(out: Path, *extra: str, seed: int = SEED, changed: int = CHANGED) -> None:
    args = [str(out), "--sources", str(SOURCES), "--seed", str(seed), *extra]
    if changed:
        args += ["--changed", str(changed)]
    assert main(args) == 0


def fetch(path: Path) -> dict[str, str]:
    """The local repository through librepo, as Koschei's repo cache would fetch it."""
    handle = librepo.Handle()
    handle.repotype = librepo.YUMREPO
    handle.urls = [str(path)]
    handle.local = True
    handle.yumdlist = ["primary", "filelists", "group"]
    return handle.perform().yum_repo


def load_sack(path: Path) -> hawkey.Sack:
    files = fetch(path)
    sack = hawkey.Sack(arch="x86_64")
    with warnings.catch_warnings(record=True):
        # hawkey.Repo is the API Koschei uses; it forces its deprecation notice to be shown
        # (simplefilter "always"), so only recording it keeps it away from pytest.
        repo = hawkey.Repo(path.name)
    repo.repomd_fn, repo.primary_fn = files["repomd"], files["primary"]
    repo.filelists_fn = files["filelists"]
    sack.load_repo(repo, load_filelists=True)
    return sack


def selector(sack: hawkey.Sack, dep: str) -> hawkey.Selector:
    found = hawkey.Selector(sack).set(provides=dep)
    if not found.matches() and dep.startswith("/"):
        found = hawkey.Selector(sack).set(file=dep)
    return found


def run_goal(sack: hawkey.Sack, brs: list[str], group: list[str]) -> tuple[bool, list[str]]:
    """Koschei's run_goal (spec 3.4): group entries skipped when missing, BRs reported."""
    goal, problems = hawkey.Goal(sack), []
    for name in group:
        found = selector(sack, name)
        if found.matches():
            goal.install(select=found)
    for dep in brs:
        found = selector(sack, dep)
        if found.matches():
            goal.install(select=found)
        elif not dep.startswith("("):
            problems.append(f"No package found for: {dep}")
    if not goal.run():
        problems += ["; ".join(rule) for rule in goal.problem_rules()]
    return not problems, problems


def read_json(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def packages(sack: hawkey.Sack) -> dict[str, hawkey.Package]:
    return {package.name: package for package in hawkey.Query(sack)}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("generated") / "dist"
    generate(path)
    return path


@pytest.fixture(scope="module")
def sack(out: Path) -> hawkey.Sack:
    return load_sack(out)


@pytest.fixture(scope="module")
def updated_sack(out: Path) -> hawkey.Sack:
    return load_sack(out.with_name("dist-updated"))


@pytest.fixture(scope="module")
def sources(out: Path) -> dict[str, Any]:
    return read_json(out / "sources.json.gz")


@pytest.fixture(scope="module")
def manifest(out: Path) -> dict[str, Any]:
    return read_json(out.with_name("dist-updated") / "manifest.json")


def test_generated_repo_loads_into_hawkey_with_every_binary(out, sack, sources):
    counts = read_json(out / "manifest.json")["counts"]
    assert len(sources["packages"]) == SOURCES == counts["sources"]
    assert len(hawkey.Query(sack)) == counts["binaries"] > SOURCES
    srpms = {f"{p['name']}-{p['version']}-{p['release']}.src.rpm" for p in sources["packages"]}
    assert {package.sourcerpm for package in hawkey.Query(sack)} == srpms


def test_every_source_resolves_except_the_deliberately_unresolvable_ones(out, sack, sources):
    unresolvable = read_json(out / "manifest.json")["unresolvable"]
    assert any(
        "nothing provides it" in why and " requires " not in why for why in unresolvable.values()
    )
    assert any(" requires lib" in why for why in unresolvable.values())
    outcomes = {
        source["name"]: run_goal(sack, source["build_requires"], sources["build_group"])
        for source in sources["packages"]
    }
    assert {name for name, (ok, _) in outcomes.items() if not ok} == set(unresolvable)
    missing_br = next(name for name, why in unresolvable.items() if "nothing provides it" in why)
    assert outcomes[missing_br][1][0].startswith("No package found for: ")


def test_build_group_is_installable_and_lists_existing_binaries(sack, sources):
    group = sources["build_group"]
    assert {"bash", "gcc", "make", "rpm-build", "glibc-minimal-langpack"} <= set(group)
    assert set(group) <= set(packages(sack))
    ok, problems = run_goal(sack, [], group)
    assert ok, problems


def test_librepo_sees_the_comps_group_file(out, sources):
    comps = Path(fetch(out)["group"]).read_text(encoding="utf-8")
    assert "<id>build</id>" in comps
    listed = re.findall(r'<packagereq type="mandatory">([^<]+)</packagereq>', comps)
    assert listed[: len(sources["build_group"])] == sources["build_group"]


def test_file_provides_come_from_primary_and_filelists(sack, sources):
    assert hawkey.Query(sack).filter(file="/usr/bin/python3")
    # /usr/lib64 paths are only in filelists.xml, so this needs load_filelists.
    assert [p.name for p in hawkey.Query(sack).filter(file="/usr/lib64/libz.so.1")] == ["zlib"]
    file_brs = [dep for s in sources["packages"] for dep in s["build_requires"] if dep[0] == "/"]
    assert any(dep.startswith("/usr/bin/") for dep in file_brs)


def test_metadata_has_rich_weak_versioned_obsoleting_and_conflicting_deps(sack, sources):
    found: dict[str, list[str]] = {}
    for package in hawkey.Query(sack):
        for kind in ("requires", "recommends", "suggests", "supplements", "enhances",
                     "conflicts", "obsoletes", "provides"):  # fmt: skip
            found.setdefault(kind, []).extend(str(dep) for dep in getattr(package, kind))
    for kind in ("recommends", "suggests", "supplements", "enhances", "conflicts", "obsoletes"):
        assert found[kind], kind
    assert any(re.match(r"\(.* or .*\)$", dep) for dep in found["requires"])
    assert any(re.match(r"\(.* with .*\)$", dep) for dep in found["requires"])
    assert any(re.search(r" = \d+:", dep) for dep in found["requires"])  # epochs
    assert any(dep.startswith("pkgconfig(") for dep in found["provides"])
    assert any(dep.startswith("python3dist(") for dep in found["provides"])
    brs = [dep for source in sources["packages"] for dep in source["build_requires"]]
    assert any(dep.startswith("(") and " or " in dep for dep in brs)
    assert any(dep.startswith("(") and " if " in dep for dep in brs)
    assert any(re.match(r"\S+ >= \S+$", dep) for dep in brs)
    arches = {package.arch for package in hawkey.Query(sack)}
    assert arches == {"x86_64", "noarch"}


def test_devel_packages_require_their_library_at_the_same_evr(sack):
    devels = list(hawkey.Query(sack).filter(name__glob="*-devel"))
    assert len(devels) > 20
    for devel in devels:
        siblings = {p.name for p in hawkey.Query(sack).filter(sourcerpm=devel.sourcerpm)}
        same_build = [str(dep) for dep in devel.requires if str(dep).endswith(f" = {devel.evr}")]
        assert any(dep.split("(x86-64)")[0] in siblings for dep in same_build), devel
        assert f"{devel.name}(x86-64) = {devel.evr}" in map(str, devel.provides)
    openssl = packages(sack)["openssl-devel"]
    assert openssl.epoch == 1
    assert any(str(dep).startswith("pkgconfig(openssl) = ") for dep in openssl.provides)


def test_alternatives_conflict_but_their_virtual_provide_installs_one(sack):
    providers = list(hawkey.Query(sack).filter(provides="mta"))
    assert len(providers) == 2
    goal = hawkey.Goal(sack)
    goal.install(select=hawkey.Selector(sack).set(provides="mta"))
    assert goal.run()
    assert len([p for p in goal.list_installs() if p in providers]) == 1
    both = hawkey.Goal(sack)
    for provider in providers:
        both.install(provider)
    assert not both.run()


def test_same_arguments_give_byte_identical_output(tmp_path, out):
    """A separate process with another hash seed must write the same bytes."""
    other = tmp_path / "dist"
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    command = [sys.executable, "-m", "kojisim.generate", str(other), "--sources", str(SOURCES)]
    command += ["--seed", str(SEED), "--changed", str(CHANGED)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    for name in ("dist", "dist-updated"):
        mine, theirs = out.with_name(name), tmp_path / name
        files = sorted(p.relative_to(mine) for p in mine.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file())
        for relative in files:
            assert (mine / relative).read_bytes() == (theirs / relative).read_bytes(), relative


def test_another_seed_gives_another_distribution(tmp_path, sources):
    generate(tmp_path / "other", seed=SEED + 1, changed=0)
    other = read_json(tmp_path / "other" / "sources.json.gz")
    assert {p["name"] for p in other["packages"]} != {p["name"] for p in sources["packages"]}
    assert not (tmp_path / "other-updated").exists()


def changed_names(before: hawkey.Sack, after: hawkey.Sack) -> set[str]:
    old, new = packages(before), packages(after)
    return (old.keys() ^ new.keys()) | {
        n for n in old.keys() & new.keys() if old[n].evr != new[n].evr
    }


def test_updated_snapshot_differs_by_exactly_the_requested_binaries(sack, updated_sack, manifest):
    assert len(changed_names(sack, updated_sack)) == CHANGED == manifest["changed_binaries"]
    assert sum(change["binaries"] for change in manifest["changes"]) == CHANGED
    kinds = {change["kind"] for change in manifest["changes"]}
    assert kinds == {"leaf", "core", "add", "remove", "weak", "conflict", "obsolete"}


def test_updated_sources_list_matches_its_binaries(out, updated_sack, manifest):
    updated = read_json(out.with_name("dist-updated") / "sources.json.gz")
    by_name = {p["name"]: p for p in updated["packages"]}
    srpms = {f"{p['name']}-{p['version']}-{p['release']}.src.rpm" for p in updated["packages"]}
    assert {package.sourcerpm for package in hawkey.Query(updated_sack)} == srpms
    for change in manifest["changes"]:
        if change["new"] is None:
            assert change["source"] not in by_name
        else:
            source = by_name[change["source"]]
            assert f"{source['name']}-{source['version']}-{source['release']}" == change["new"]


def test_updated_snapshot_changes_are_visible_in_the_metadata(sack, updated_sack, manifest):
    old, new = packages(sack), packages(updated_sack)
    seen = set()
    for change in manifest["changes"]:
        facts, kind = change["facts"], change["kind"]
        if kind == "obsolete":
            assert facts["replaces"] in old and facts["replaces"] not in new
            obsoletes = [str(dep) for dep in new[facts["binary"]].obsoletes]
            assert any(dep.startswith(facts["replaces"] + " < ") for dep in obsoletes)
        elif kind == "conflict":
            assert facts["conflict"] in map(str, new[facts["binary"]].conflicts)
            assert facts["conflict"] not in map(str, old[facts["binary"]].conflicts)
        elif kind == "weak":
            binary, field = facts["binary"], facts["field"]
            before = set(map(str, getattr(old[binary], field)))
            after = set(map(str, getattr(new[binary], field)))
            assert after - before == ({facts["added"]} if "added" in facts else set())
            assert before - after == ({facts["dropped"]} if "dropped" in facts else set())
        elif kind == "core" and "pulls" in facts:
            assert facts["pulls"] in {p.name for p in hawkey.Query(updated_sack).filter(
                provides=[str(dep) for dep in new[facts["binary"]].requires])}  # fmt: skip
        seen.add(kind)
    assert seen >= {"obsolete", "conflict", "weak", "core"}


def test_breaking_conflict_makes_its_package_uninstallable(sack, updated_sack, manifest):
    assert manifest["uninstallable_binaries"]
    for binary in manifest["uninstallable_binaries"]:
        for snapshot, installable in ((sack, True), (updated_sack, False)):
            goal = hawkey.Goal(snapshot)
            goal.install(select=hawkey.Selector(snapshot).set(name=binary))
            assert goal.run() is installable


@pytest.mark.parametrize(
    "args",
    [
        ["--sources", "10"],
        ["--changed", "-1"],
        ["--unresolvable-rate", "2"],
        ["--dist-tag", "fc 40"],
        ["--change-mix", "leaf=1,bogus=2"],
        ["--change-mix", "leaf=0"],
    ],
)
def test_command_line_rejects_bad_input_without_writing(tmp_path, capsys, args):
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "out"), *args])
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
