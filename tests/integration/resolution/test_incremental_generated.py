"""Incremental resolution equals a forced full one on generated data (DESIGN section 7).

The project's generator (``python -m kojisim.generate``) makes a small distribution and a
second snapshot holding changes of every kind: leaf and core-library updates, additions,
removals, weak dependencies, conflicts and obsoletes.  kojisim serves it; the operator
commands ingest it and resolve the first repo; kojisim moves to the second snapshot; the
incremental resolution of the new repo must leave exactly what a forced full resolution of
the same repo leaves.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from kojisim.generator.changes import CHANGE_KINDS
from kojisim.pytest_plugin import KojisimServer
from packages.models import Collection, Package
from resolution import tasks
from resolution.models import (
    BuildrootProblem,
    Dependency,
    PackageResolution,
    ResolutionChange,
    ResolutionRun,
    RunKind,
    UnappliedChange,
)
from tests.conftest import use_kojisim
from tests.integration.resolution.conftest import set_config

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
COLLECTION = "gen"
SOURCES = 200
SEED = 3
#: the reuse shares asserted below were calibrated on this profile's shape (at 200
#: sources the default profile's buildroots share most of their packages, so one weak
#: change may touch every one of them)
PROFILE = "expensive"
#: snapshot B of each case: one kind of change, or every kind at once
CASES = {
    **{kind: (8, f"{kind}=1") for kind in CHANGE_KINDS},
    "every kind": (40, ",".join(f"{kind}=1" for kind in CHANGE_KINDS)),
}


@dataclass(frozen=True)
class Generated:
    """The generator's two snapshots, their Koji names and the changes between them."""

    base: Path
    updated: Path
    tag: str
    target: str
    build_group: frozenset[str]
    changes: list[dict[str, Any]]

    @property
    def kinds(self) -> set[str]:
        return {change["kind"] for change in self.changes}

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [change for change in self.changes if change["kind"] == kind]

    def touches_every_buildroot(self) -> bool:
        """Core updates, and conflicts with a build-group package: every install set may
        change (DESIGN section 7 re-resolves them all), so there is nothing to reuse."""
        conflicting = {
            change["facts"]["conflict"].split()[0] for change in self.of_kind("conflict")
        }
        return "core" in self.kinds or bool(conflicting & self.build_group)


@pytest.fixture(scope="module")
def generate(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Generated]:
    """Factory: the distribution with snapshot B of a case, generated once per module."""
    made: dict[str, Generated] = {}

    def factory(case: str) -> Generated:
        if case not in made:
            made[case] = _generate(tmp_path_factory.mktemp("generated"), *CASES[case])
        return made[case]

    return factory


def _generate(directory: Path, changed: int, mix: str) -> Generated:
    base, updated = directory / "distro", directory / "distro-updated"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kojisim.generate",
            str(base),
            f"--sources={SOURCES}",
            f"--seed={SEED}",
            f"--profile={PROFILE}",
            f"--changed={changed}",
            f"--change-mix={mix}",
            f"--updated-out={updated}",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with gzip.open(base / "sources.json.gz", "rt") as handle:
        sources = json.load(handle)
    tag = str(sources.get("tag", "sim"))
    manifest = json.loads((updated / "manifest.json").read_text())
    return Generated(
        base,
        updated,
        tag,
        str(sources.get("target", tag)),
        frozenset(sources["build_group"]),
        manifest["changes"],
    )


@pytest.fixture
def generated_hub(
    generate: Callable[[str], Generated],
    case: str,
    kojisim_server: Callable[..., KojisimServer],
    settings: Any,
    tmp_path: Path,
    sudo_user: str,
) -> KojisimServer:
    """A private kojisim of the generated distribution, as the project's Koji; own cache."""
    hub = kojisim_server(generate(case).base, speed=0.0)
    config = use_kojisim(settings, hub, arches=("x86_64", "i386"), timeout=60)
    config["directories"]["cachedir"] = str(tmp_path / "cache")
    settings.KOSCHEI = config
    return hub


def quietly(*args: str) -> None:
    call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())


def refresh_and_track() -> None:
    """What polling and an operator do after Koji changed: package list, tracking, builds."""
    quietly("refresh-packages", COLLECTION)
    untracked = Package.objects.filter(
        collection__name=COLLECTION, blocked=False, tracked=False
    ).values_list("name", flat=True)
    if untracked:
        quietly("add-pkg", "-c", COLLECTION, *sorted(untracked))
    quietly("refresh-builds", COLLECTION)


def resolve_repo(*args: str) -> ResolutionRun:
    quietly("resolve-repo", COLLECTION, *args)
    run = ResolutionRun.objects.filter(collection__name=COLLECTION).order_by("-id").first()
    assert run is not None
    return run


def capture() -> dict[str, Any]:
    """Everything a resolution leaves, by package name and NEVRA (ids may differ)."""
    deps = {d.pk: str(d) for d in Dependency.objects.all()}
    problems: dict[int, list[str]] = {}
    latest = ResolutionChange.objects.filter(package__collection__name=COLLECTION)
    for change in latest.order_by("package_id", "-timestamp", "-id").prefetch_related("problems"):
        problems.setdefault(change.package_id, sorted(p.problem for p in change.problems.all()))
    unapplied: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for u in UnappliedChange.objects.filter(package__collection__name=COLLECTION):
        distance = -1 if u.distance is None else u.distance
        unapplied[u.package_id].append(
            (str(deps.get(u.prev_dep_id)), str(deps.get(u.curr_dep_id)), distance)
        )
    installs = {
        r.package_id: sorted(deps[i] for i in r.install_set)
        for r in PackageResolution.objects.filter(package__collection__name=COLLECTION)
    }
    packages = {
        p.name: {
            "resolved": p.resolved,
            "dependency_priority": p.dependency_priority,
            "problems": problems.get(p.pk),
            "install_set": installs.get(p.pk),
            "unapplied": sorted(unapplied[p.pk]),
        }
        for p in Package.objects.filter(collection__name=COLLECTION, tracked=True)
    }
    collection = Collection.objects.get(name=COLLECTION)
    buildroot = sorted(
        BuildrootProblem.objects.filter(collection=collection).values_list("problem", flat=True)
    )
    return {
        "collection": {"resolved": collection.latest_repo_resolved, "problems": buildroot},
        "packages": packages,
    }


def differences(incremental: dict[str, Any], full: dict[str, Any]) -> list[str]:
    """One line per differing field: package, field, what each side says."""
    lines = [
        f"collection {key}: incremental={incremental['collection'][key]!r} "
        f"full={full['collection'][key]!r}"
        for key in incremental["collection"]
        if incremental["collection"][key] != full["collection"][key]
    ]
    left, right = incremental["packages"], full["packages"]
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name, {}), right.get(name, {})
        lines += [
            f"{name} {key}: incremental={a.get(key)!r} full={b.get(key)!r}"
            for key in sorted(set(a) | set(b))
            if a.get(key) != b.get(key)
        ]
    return lines


def load_snapshot_b(hub: KojisimServer, generated: Generated) -> None:
    """Move kojisim to snapshot B and check that Koji now shows every generated change."""
    loaded = hub.sim("loadSnapshot", str(generated.updated))
    retired = {change["old"] for change in generated.of_kind("remove")}
    rebuilt = {change["new"] for change in generated.changes if change["kind"] != "remove"}
    assert retired <= set(loaded["retired"])
    assert rebuilt <= set(loaded["tagged"])
    assert loaded["repo"] is not None


def ingest(generated: Generated) -> None:
    target, tag = generated.target, generated.tag
    quietly("create-collection", COLLECTION, "-d", "Generated", "-t", target, "--dest-tag", tag)
    refresh_and_track()


def assert_koschei_sees(generated: Generated) -> None:
    """Retired sources are blocked, new ones tracked, rebuilt ones at their new build."""
    packages = Package.objects.filter(collection__name=COLLECTION).select_related("last_build")
    for change in generated.changes:
        package = packages.get(name=change["source"])
        if change["kind"] == "remove":
            assert package.blocked, change
        else:
            assert package.tracked, change
            build = package.last_build
            assert build is not None, change
            assert f"{package.name}-{build.version}-{build.release}" == change["new"]


@pytest.mark.parametrize("ignore_weak", [False, True], ids=["weak deps", "weak deps ignored"])
@pytest.mark.parametrize("case", list(CASES))
def test_incremental_resolution_of_generated_changes_equals_full_resolution(
    generate: Callable[[str], Generated],
    generated_hub: KojisimServer,
    settings: Any,
    case: str,
    ignore_weak: bool,
) -> None:
    generated = generate(case)
    assert case in generated.kinds or generated.kinds == set(CHANGE_KINDS)
    set_config(settings, "dependency", ignore_weak_deps=ignore_weak)
    ingest(generated)
    quietly("resolve-builds", COLLECTION)
    assert tasks.check_new_repos() == 1
    before = capture()

    load_snapshot_b(generated_hub, generated)
    refresh_and_track()
    assert_koschei_sees(generated)
    quietly("resolve-builds", COLLECTION)
    incremental = resolve_repo()
    assert incremental.kind == RunKind.INCREMENTAL
    if case != "remove":  # retired leaves may be in no buildroot and no failed goal's candidates
        assert incremental.solved > 0
    if not generated.touches_every_buildroot():
        assert incremental.reused >= incremental.packages * 3 // 4
    after_incremental = capture()
    if generated.kinds & {"core", "add"}:  # new install sets, new packages
        assert after_incremental != before

    full = resolve_repo("--full")
    assert (full.kind, full.repo_id) == (RunKind.FULL, incremental.repo_id)
    assert differences(after_incremental, capture()) == []
    assert full.changed == 0
