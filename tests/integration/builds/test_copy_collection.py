"""Copying a collection's packages and history in SQL (branch and fork, spec 3.14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from builds.models import Build, KojiTask
from builds.services.branching import copy_collection
from packages.models import Package
from packages.states import BuildState
from resolution.models import AppliedChange, ResolutionChange, ResolutionProblem
from tests.factories import (
    make_build,
    make_collection,
    make_dependency,
    make_package,
    make_resolution_change,
    make_task,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def master(collection):
    """foo: an old complete build, a recent failed one (last complete) and a running one;
    bar: one old complete build; baz: no builds."""
    foo = make_package("foo", collection, tracked=True, resolved=True, manual_priority=7)
    old = make_build(foo, BuildState.COMPLETE, hours_ago=24 * 60)
    failed = make_build(foo, BuildState.FAILED, hours_ago=24 * 3)
    make_task(failed, "x86_64", state=5)
    make_build(foo, BuildState.RUNNING, hours_ago=1)
    AppliedChange.objects.create(
        build=failed,
        prev_dep=make_dependency("a", "1"),
        curr_dep=make_dependency("a", "2"),
        distance=1,
    )
    make_resolution_change(foo, resolved=False, days_ago=2, problems=("nothing provides x",))
    bar = make_package("bar", collection, tracked=True)
    make_build(bar, BuildState.COMPLETE, hours_ago=24 * 90)
    make_package("baz", collection, blocked=True)
    return {"collection": collection, "old": old, "failed": failed}


def copy(master, *, minimal):
    target = make_collection("copy")
    with transaction.atomic():
        copy_collection(source=master["collection"], target=target, minimal=minimal)
    return {p.name: p for p in Package.objects.filter(collection=target)}


def test_every_package_row_is_copied_with_its_settings(master):
    copied = copy(master, minimal=True)
    assert sorted(copied) == ["bar", "baz", "foo"]
    assert copied["foo"].manual_priority == 7 and copied["foo"].resolved is True
    assert copied["baz"].blocked


def test_a_fork_copies_only_last_complete_builds_and_no_history(master):
    copied = copy(master, minimal=True)
    foo_builds = list(Build.objects.filter(package=copied["foo"]))
    assert [(b.state, b.task_id) for b in foo_builds] == [
        (BuildState.FAILED, master["failed"].task_id)
    ]
    assert Build.objects.filter(package=copied["bar"]).count() == 1
    assert not AppliedChange.objects.filter(build__package__collection__name="copy").exists()
    assert not ResolutionChange.objects.filter(package__collection__name="copy").exists()


def test_a_branch_copies_recent_builds_tasks_changes_and_resolution_history(master):
    copied = copy(master, minimal=False)
    foo_builds = Build.objects.filter(package=copied["foo"]).order_by("started")
    assert [b.state for b in foo_builds] == [BuildState.FAILED, BuildState.RUNNING]
    failed_copy = foo_builds[0]
    assert KojiTask.objects.filter(build=failed_copy).count() == 1
    assert AppliedChange.objects.get(build=failed_copy).distance == 1
    change = ResolutionChange.objects.get(package=copied["foo"])
    assert not change.resolved
    assert list(
        ResolutionProblem.objects.filter(resolution=change).values_list("problem", flat=True)
    ) == ["nothing provides x"]


def test_copied_pointers_point_into_the_copy_never_into_the_source(master):
    copied = copy(master, minimal=False)
    foo = copied["foo"]
    assert foo.last_build.package_id == foo.pk and foo.last_build.state == BuildState.RUNNING
    assert foo.last_complete_build.package_id == foo.pk
    assert foo.last_complete_build_state == BuildState.FAILED
    assert copied["baz"].last_build_id is None
    source_ids = set(
        Build.objects.filter(package__collection=master["collection"]).values_list("id", flat=True)
    )
    for package in copied.values():
        assert package.last_build_id not in source_ids
        assert package.last_complete_build_id not in source_ids


def test_the_source_collection_is_left_as_it_was(master):
    before = list(
        Build.objects.filter(package__collection=master["collection"]).values_list(
            "id", "state", "last_complete"
        )
    )
    copy(master, minimal=False)
    after = list(
        Build.objects.filter(package__collection=master["collection"]).values_list(
            "id", "state", "last_complete"
        )
    )
    assert before == after


def test_a_branch_keeps_infrastructure_failures_snoozes_and_backoff(master):
    foo = Package.objects.get(name="foo", collection=master["collection"])
    # Koji lost its task before it chose a repo: no repo, and not foo's last build.
    lost = make_build(foo, BuildState.FAILED, hours_ago=2, repo_id=None, infra_failure="lost")
    until = timezone.now() + timedelta(days=3)
    Package.objects.filter(pk=foo.pk).update(snoozed_until=until, backoff_until=until)
    copied = copy(master, minimal=False)
    lost_copy = Build.objects.get(package=copied["foo"], task_id=lost.task_id)
    assert lost_copy.infra_failure == "lost" and lost_copy.repo_id is None
    assert copied["foo"].last_build.state == BuildState.RUNNING
    assert copied["foo"].last_complete_build.task_id == master["failed"].task_id
    assert copied["foo"].snoozed_until == copied["foo"].backoff_until == until
