"""The build resolver through kojisim: dependency sets and applied changes (spec 3.5, 8.9)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from builds.models import Build
from packages.models import Collection, Package
from packages.states import BuildState
from resolution import tasks
from resolution.models import AppliedChange, SrpmRequires
from tests.factories import make_build
from tests.integration.resolution.conftest import package

pytestmark = pytest.mark.django_db(transaction=True)


def applied(build: Build) -> dict[str, tuple[str | None, str | None, int | None]]:
    rows = AppliedChange.objects.filter(build=build).select_related("prev_dep", "curr_dep")
    return {
        r.dep_name: (
            r.prev_dep.evr if r.prev_dep else None,
            r.curr_dep.evr if r.curr_dep else None,
            r.distance,
        )
        for r in rows
    }


def reload(build: Build) -> Build:
    return Build.objects.get(pk=build.pk)


def newer_gcc_repo(koji_hub) -> int:
    koji_hub.sim("advanceClock", 3600)  # kojisim's clock is frozen in tests
    koji_hub.sim("newBuild", "gcc", {"version": "15.0.1"})
    return int(koji_hub.sim("regenRepo", "f42-build")["id"])


def test_real_builds_get_their_dependency_sets_and_an_unresolved_last_build_a_priority(f42):
    out = io.StringIO()
    call_command("resolve-builds", "f42", stdout=out)
    assert out.getvalue().strip().startswith("packages=15 changed=0 problems=1 seconds=")
    foo = Build.objects.get(package__name="foo")
    assert foo.deps_resolved is True and foo.dependency_ids
    broken = Build.objects.get(package__name="broken")
    assert broken.deps_resolved is False and broken.dependency_keys is None
    assert package("broken").build_priority == 3000
    assert package("foo").build_priority == 0
    assert tasks.resolve_builds(f42.pk) == 0  # nothing left: idempotent


def test_a_build_in_a_changed_repo_records_what_changed_against_the_previous_build(f42, koji_hub):
    tasks.resolve_builds()
    first = Build.objects.get(package__name="bar")
    newer_gcc_repo(koji_hub)
    koji_hub.sim("newBuild", "bar", {"version": "2.1"})
    call_command("refresh-builds", "f42")
    tasks.resolve_builds()
    second = Build.objects.get(package__name="bar", version="2.1")
    assert applied(second)["gcc"] == ("14.1.1-1.fc42", "15.0.1-1.fc42", 1)
    assert reload(first).dependency_keys is None  # no later build needs it
    assert reload(second).dependency_keys is not None


def test_builds_finishing_out_of_order_still_get_their_changes(f42, koji_hub):
    tasks.resolve_builds()
    base = Build.objects.get(package__name="bar")
    old_repo = base.repo_id
    new = newer_gcc_repo(koji_hub)
    bar = package("bar")
    now = timezone.now()
    # started first, but on the newer repo: processed after the later build below
    early = make_build(bar, started=now - timedelta(hours=2), version="2.0", repo_id=new)
    late = make_build(bar, started=now - timedelta(hours=1), version="2.0", repo_id=old_repo)
    tasks.resolve_builds()
    assert applied(late) == {}  # same repo as the base build: nothing changed
    assert applied(early)["gcc"] == ("14.1.1-1.fc42", "15.0.1-1.fc42", 1)  # spec 8.9 fixed
    assert reload(late).dependency_keys is not None
    assert reload(base).dependency_keys is None and reload(early).dependency_keys is None


def test_keys_of_a_baseline_stay_while_a_later_build_is_unprocessed(f42, koji_hub):
    tasks.resolve_builds()
    base = Build.objects.get(package__name="bar")
    new = newer_gcc_repo(koji_hub)
    bar = package("bar")
    now = timezone.now()
    resolved_first = make_build(bar, started=now - timedelta(hours=1), version="2.0", repo_id=new)
    make_build(bar, state=BuildState.RUNNING, started=now - timedelta(hours=2))
    tasks.resolve_builds()
    assert reload(resolved_first).deps_resolved is True
    assert reload(base).dependency_keys is not None  # still the baseline of `pending`


def test_builds_sharing_a_repo_compare_with_each_other_in_start_order(f42, koji_hub):
    tasks.resolve_builds()
    new = newer_gcc_repo(koji_hub)
    bar = package("bar")
    now = timezone.now()
    one = make_build(bar, started=now - timedelta(hours=2), version="2.0", repo_id=new)
    two = make_build(bar, started=now - timedelta(hours=1), version="2.0", repo_id=new)
    tasks.resolve_builds()
    assert "gcc" in applied(one)
    assert applied(two) == {}
    assert reload(one).dependency_keys is None and reload(two).dependency_keys is not None


def test_a_build_of_a_dead_repo_is_unresolved(f42):
    bar = package("bar")
    build = make_build(bar, started=timezone.now(), version="2.0", repo_id=999999)
    tasks.resolve_builds()
    assert reload(build).deps_resolved is False
    assert package("bar").build_priority == 3000


def test_builds_are_unresolved_when_the_build_group_is_missing(f42):
    Collection.objects.filter(pk=f42.pk).update(build_group="no-such-group")
    tasks.resolve_builds()
    assert set(Build.objects.values_list("deps_resolved", flat=True)) == {False}


def test_builds_of_a_repo_that_cannot_be_downloaded_are_left_for_later(f42, koji_hub):
    tasks.resolve_builds()
    repo = int(koji_hub.sim("regenRepo", "f42-build")["id"])
    koji_hub.sim("corruptRepodata", repo, "x86_64", "primary")
    build = make_build(package("bar"), started=timezone.now(), version="2.0", repo_id=repo)
    tasks.resolve_builds()
    assert reload(build).deps_resolved is None


def test_resolve_builds_rejects_an_unknown_collection(f42):
    with pytest.raises(CommandError, match=r"^Collection not found: nope$"):
        call_command("resolve-builds", "nope")
    assert not Build.objects.filter(deps_resolved__isnull=False).exists()


def test_a_collection_failing_in_koji_is_reported_and_the_others_builds_are_resolved(f42, koji_hub):
    call_command("create-collection", "f42b", "-d", "B", "-t", "f42", "--dest-tag", "f42")
    call_command("refresh-packages", "f42b")
    Package.objects.filter(collection__name="f42b", blocked=False).update(tracked=True)
    call_command("refresh-builds", "f42b")
    SrpmRequires.objects.all().delete()  # as when Koji failed while the builds were registered
    koji_hub.sim("addFault", {"kind": "fault", "method": "getRPMDeps", "code": 1000, "count": 1})
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 collections failed: f42$"):
        call_command("resolve-builds", stdout=io.StringIO(), stderr=err)
    [line] = err.getvalue().splitlines()
    assert line.startswith("f42: Koji ") and "GenericError: Simulated fault" in line
    assert not Build.objects.unprocessed().filter(package__collection__name="f42b").exists()
    assert Build.objects.unprocessed().filter(package__collection__name="f42").exists()
