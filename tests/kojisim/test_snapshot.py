"""``sim.loadSnapshot``: a directory-loaded distribution moves to the generator's updated
snapshot, as Koji would after the builds were tagged and kojira made a new repo."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import koji
import pytest

from kojisim.generate import main as generate

SOURCES, SEED, CHANGED = 60, 3, 30


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("snapshots") / "distro"
    args = [str(base), "--sources", str(SOURCES), "--seed", str(SEED), "--changed", str(CHANGED)]
    assert generate(args) == 0
    return base, base.with_name("distro-updated")


def read_json_gz(path: Path) -> Any:
    with gzip.open(path, "rt") as handle:
        return json.load(handle)


def served_primary(server: Any, repo_id: int) -> str:
    repodata = server.state_dir / "repos" / "sim-build" / str(repo_id) / "x86_64" / "repodata"
    primary = next(p for p in repodata.iterdir() if p.name.endswith("primary.xml.gz"))
    with gzip.open(primary, "rt") as handle:
        return handle.read()


def test_loading_the_updated_snapshot_tags_its_builds_and_makes_a_new_repo(
    kojisim_server: Any, snapshots: tuple[Path, Path]
) -> None:
    base, updated = snapshots
    server = kojisim_server(base, speed=0.0)
    hub = server.session()
    first_repo = hub.getRepo("sim-build")["id"]
    changes = read_json_gz(updated / "sources.json.gz")
    manifest = json.loads((updated / "manifest.json").read_text())

    result = server.sim("loadSnapshot", str(updated))

    expected_new = {c["new"] for c in manifest["changes"] if c["new"]}
    removed = {c["old"] for c in manifest["changes"] if not c["new"]}
    assert set(result["tagged"]) == expected_new
    assert set(result["retired"]) == removed
    latest = {b["nvr"] for b in hub.listTagged("sim", latest=True)}
    wanted = {f"{p['name']}-{p['version']}-{p['release']}" for p in changes["packages"]}
    assert wanted <= latest
    assert not removed & latest
    assert result["repo"]["id"] > first_repo
    assert hub.getRepo("sim-build")["id"] == result["repo"]["id"]
    primary = served_primary(server, result["repo"]["id"])
    for change in manifest["changes"]:
        if change["new"]:
            version = change["new"].rsplit("-", 2)[1]
            assert f'ver="{version}"' in primary


def test_new_builds_carry_the_snapshots_build_requires_and_a_build_task(
    kojisim_server: Any, snapshots: tuple[Path, Path]
) -> None:
    base, updated = snapshots
    server = kojisim_server(base, speed=0.0)
    hub = server.session()
    first_repo = hub.getRepo("sim-build")["id"]
    result = server.sim("loadSnapshot", str(updated))
    by_nvr = {
        f"{p['name']}-{p['version']}-{p['release']}": p
        for p in read_json_gz(updated / "sources.json.gz")["packages"]
    }
    nvr = next(n for n in result["tagged"] if by_nvr.get(n, {}).get("build_requires"))
    deps = [
        d["name"]
        for d in hub.getRPMDeps(f"{nvr}.src", koji.DEP_REQUIRE)
        if not d["name"].startswith("rpmlib(")
    ]
    assert deps == [
        d.split()[0] if not d.startswith("(") else d for d in by_nvr[nvr]["build_requires"]
    ]
    build = hub.getBuild(nvr)
    children = hub.getTaskChildren(build["task_id"])
    assert children and all(c["method"] == "buildArch" for c in children)
    assert hub.getTaskRequest(children[0]["id"])[4] == {"repo_id": first_repo}


def test_retired_packages_are_blocked_and_a_second_load_changes_nothing(
    kojisim_server: Any, snapshots: tuple[Path, Path]
) -> None:
    base, updated = snapshots
    server = kojisim_server(base, speed=0.0)
    hub = server.session()
    first = server.sim("loadSnapshot", str(updated))
    assert first["retired"]
    name = koji.parse_NVR(first["retired"][0])["name"]
    assert hub.listPackages(tagID="sim", pkgID=name)[0]["blocked"]

    again = server.sim("loadSnapshot", str(updated))
    assert again["tagged"] == [] and again["retired"] == []
    assert again["repo"]["id"] > first["repo"]["id"]


def test_the_build_group_follows_the_snapshot(
    kojisim_server: Any, snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    base, updated = snapshots
    changed = tmp_path / "regrouped"
    shutil.copytree(updated, changed)
    sources = read_json_gz(changed / "sources.json.gz")
    dropped = sources["build_group"][-1]
    sources["build_group"] = [*sources["build_group"][:-1], "extra-tool"]
    with gzip.open(changed / "sources.json.gz", "wt") as handle:
        json.dump(sources, handle)
    server = kojisim_server(base, speed=0.0)

    result = server.sim("loadSnapshot", str(changed))

    assert result["group_added"] == ["extra-tool"]
    assert result["group_removed"] == [dropped]
    group = next(g for g in server.session().getTagGroups("sim-build") if g["name"] == "build")
    names = {p["package"] for p in group["packagelist"] if not p["blocked"]}
    assert "extra-tool" in names and dropped not in names


def test_the_ctl_command_loads_a_snapshot(
    kojisim_server: Any, snapshots: tuple[Path, Path]
) -> None:
    base, updated = snapshots
    server = kojisim_server(base, speed=0.0)
    cmd = [sys.executable, "-m", "kojisim.ctl", "--url", server.url, "load-snapshot", str(updated)]

    done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)

    assert json.loads(done.stdout)["tagged"]


def test_a_missing_directory_is_a_fault(kojisim_server: Any, snapshots: tuple[Path, Path]) -> None:
    server = kojisim_server(snapshots[0], speed=0.0)
    with pytest.raises(koji.GenericError, match="not a directory"):
        server.sim("loadSnapshot", "/nonexistent/snapshot")
