"""Incremental repo resolution gives exactly what a full resolution gives (DESIGN section 7)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from packages.models import Package
from resolution import tasks
from resolution.models import (
    Dependency,
    PackageResolution,
    ResolutionChange,
    ResolutionRun,
    RunKind,
    UnappliedChange,
)
from tests.integration.resolution.conftest import set_config

pytestmark = pytest.mark.django_db(transaction=True)


def python3_binary(**deps):
    return {
        "name": "python3",
        "provides": ["python(abi) = 3.12"],
        "files": ["/usr/bin/python3"],
        **deps,
    }


CHANGES = {
    "a leaf package": ("flaky", {"version": "1.3"}),
    "a core library": ("glibc", {"version": "2.40"}),
    "an added alternative provider": (
        "python3",
        {"binaries": [python3_binary(), {"name": "binutils-ng", "provides": ["binutils"]}]},
    ),
    "an added missing build require": (
        "python3",
        {"binaries": [python3_binary(), {"name": "does-not-exist-devel"}]},
    ),
    "a removed binary": (
        "bar",
        {"binaries": [{"name": "bar", "provides": ["libbar.so.2()(64bit)"]}]},
    ),
    "a new weak dependency": (
        "make",
        {"binaries": [{"name": "make", "files": ["/usr/bin/make"], "recommends": ["python3"]}]},
    ),
    "a new supplement": (
        "python3",
        {"binaries": [python3_binary(), {"name": "gcc-python", "supplements": ["gcc"]}]},
    ),
    "a new conflict": ("python3", {"binaries": [python3_binary(conflicts=["make"])]}),
    "a new obsolete": (
        "python3",
        {"binaries": [python3_binary(obsoletes=["redhat-rpm-config"])]},
    ),
}


def snapshot() -> dict[str, tuple]:
    """Everything a resolution leaves per package, by NEVRA (ids may differ)."""
    nevra = {d.pk: d.nevra for d in Dependency.objects.all()}
    result = {}
    for package in Package.objects.filter(tracked=True).order_by("name"):
        last = ResolutionChange.objects.filter(package=package).order_by("-timestamp", "-id")
        problems = sorted(p.problem for p in last[0].problems.all()) if last else None
        stored = PackageResolution.objects.filter(package=package).first()
        install = sorted(nevra[i] for i in stored.install_set) if stored else None
        changes = sorted(
            (
                str(nevra.get(c.prev_dep_id)),
                str(nevra.get(c.curr_dep_id)),
                -1 if c.distance is None else c.distance,
            )
            for c in UnappliedChange.objects.filter(package=package)
        )
        result[package.name] = (
            package.resolved,
            problems,
            install,
            changes,
            package.dependency_priority,
        )
    return result


def resolve_repo(*args: str) -> ResolutionRun:
    call_command("resolve-repo", "f42", *args, stdout=io.StringIO())
    return ResolutionRun.objects.order_by("-id").first()


@pytest.mark.parametrize("weak", [False, True], ids=["weak deps", "weak deps ignored"])
@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_incremental_resolution_equals_full_resolution_after(f42, koji_hub, settings, change, weak):
    set_config(settings, "dependency", ignore_weak_deps=weak)
    tasks.resolve_builds()
    tasks.check_new_repos()
    before = snapshot()
    name, fields = CHANGES[change]
    koji_hub.sim("newBuild", name, fields)
    koji_hub.sim("regenRepo", "f42-build")
    incremental = resolve_repo()
    assert incremental.kind == RunKind.INCREMENTAL
    after_incremental = snapshot()
    full = resolve_repo("--full")
    assert full.kind == RunKind.FULL and full.changed == 0
    assert snapshot() == after_incremental
    if change == "a leaf package":
        assert incremental.reused > 0
    if change != "a leaf package":
        assert after_incremental != before or change == "a new obsolete"


def test_an_unchanged_repo_reuses_every_package(f42):
    tasks.check_new_repos()
    run = resolve_repo()
    assert run.kind == RunKind.INCREMENTAL
    assert run.reused == run.packages and run.changed == 0 and run.solved == 0
    assert run.problems == Package.objects.filter(resolved=False).count() > 0
