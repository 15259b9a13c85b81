"""cleanup: old builds and resolution changes go, what current states rely on stays."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from builds.models import Build, KojiTask
from koschei_site.errors import ServiceError
from packages.states import BuildState, LogEnvironment
from resolution.models import AppliedChange, ResolutionChange, ResolutionProblem
from resolution.services import delete_old_history
from tests.factories import (
    make_build,
    make_dependency,
    make_package,
    make_resolution_change,
    make_task,
    reload,
)
from tests.integration.admin_commands import Terminal, audit, run, snapshot

pytestmark = pytest.mark.django_db

DAY = 24


def build_ids():
    return set(Build.objects.values_list("id", flat=True))


def days_old(package, *days, state=BuildState.COMPLETE):
    return [make_build(package, state, hours_ago=d * DAY) for d in days]


def test_cleanup_deletes_builds_older_than_six_months_except_last_builds(collection, sudo_user):
    foo = make_package("foo", collection, tracked=True)
    old, older, recent = days_old(foo, 200, 300, 10)
    only_old = days_old(make_package("bar", collection), 400)[0]
    out = run("cleanup")
    assert build_ids() == {recent.id, only_old.id}
    assert reload(foo).last_build_id == recent.id
    assert out.splitlines() == [
        "Cleanup: Deleted 2 builds",
        "Cleanup: Deleted 0 resolution changes",
    ]
    assert not Build.objects.filter(pk__in=[old.id, older.id]).exists()


def test_cleanup_keeps_an_old_last_complete_build_behind_a_running_one(collection, sudo_user):
    package = make_package("foo", collection)
    very_old, old_complete = days_old(package, 300, 250)
    running = days_old(package, 200, state=BuildState.RUNNING)[0]
    run("cleanup")
    assert build_ids() == {old_complete.id, running.id}
    package = reload(package)
    assert (package.last_build_id, package.last_complete_build_id) == (running.id, old_complete.id)
    assert not Build.objects.filter(pk=very_old.pk).exists()


def test_cleanup_takes_koji_tasks_and_applied_changes_with_the_builds(collection, sudo_user):
    package = make_package("foo", collection)
    old, _recent = days_old(package, 200, 1)
    make_task(old)
    AppliedChange.objects.create(build=old, prev_dep=make_dependency("gcc"), distance=1)
    run("cleanup")
    assert not KojiTask.objects.exists()
    assert not AppliedChange.objects.exists()


def test_cleanup_deletes_old_resolution_changes_but_each_packages_newest(collection, sudo_user):
    foo, bar = make_package("foo", collection), make_package("bar", collection)
    make_resolution_change(foo, False, 300, problems=("nothing provides libx",))
    make_resolution_change(foo, True, 250)
    recent = make_resolution_change(foo, False, 5, problems=("nothing provides liby",))
    stuck = make_resolution_change(bar, False, 400, problems=("nothing provides libz",))
    out = run("cleanup")
    assert set(ResolutionChange.objects.values_list("id", flat=True)) == {recent.id, stuck.id}
    assert sorted(ResolutionProblem.objects.values_list("problem", flat=True)) == [
        "nothing provides liby",
        "nothing provides libz",
    ]
    assert "Cleanup: Deleted 2 resolution changes" in out


def test_cleanup_older_than_uses_the_given_number_of_months(collection, sudo_user):
    package = make_package("foo", collection)
    _old, kept, _last = days_old(package, 100, 80, 1)
    run("cleanup", "--older-than", "3")
    assert build_ids() == {kept.id, _last.id}


def test_cleanup_audits_both_counts_as_the_operator(collection, sudo_user):
    package = make_package("foo", collection)
    days_old(package, 200, 1)
    make_resolution_change(package, True, 300)
    make_resolution_change(package, True, 1)
    run("cleanup")
    assert audit() == [
        ("Cleanup: Deleted 1 builds", sudo_user, "admin"),
        ("Cleanup: Deleted 1 resolution changes", sudo_user, "admin"),
    ]


@pytest.mark.parametrize("months", ["1", "0", "-6"])
def test_cleanup_refuses_fewer_than_two_months_and_deletes_nothing(collection, sudo_user, months):
    days_old(make_package("foo", collection), 200, 100, 1)
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Minimal allowed value is 2 months$"):
        run("cleanup", f"--older-than={months}")
    assert snapshot() == before


@pytest.mark.parametrize("months", [12_001, 2**31, 10**30])
def test_cleanup_refuses_a_cutoff_before_any_timestamp_and_deletes_nothing(
    collection, sudo_user, months
):
    days_old(make_package("foo", collection), 200, 100, 1)
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Maximal allowed value is 12000 months$"):
        run("cleanup", f"--older-than={months}")
    assert snapshot() == before


def test_cleanup_rejects_a_month_count_that_is_not_an_integer(collection, sudo_user):
    with pytest.raises(CommandError, match="invalid int value: 'six'"):
        run("cleanup", "--older-than", "six")


def test_cleanup_service_refuses_a_non_integer_month_count(sudo_user, staff_user):
    with pytest.raises(ServiceError, match="Minimal allowed value is 2 months"):
        delete_old_history(months=True, user=staff_user, environment=LogEnvironment.ADMIN)


def test_cleanup_draws_a_progress_bar_on_a_terminal(collection, sudo_user):
    days_old(make_package("foo", collection), 300, 200, 1)
    terminal = Terminal()
    out = run("cleanup", stderr=terminal)
    assert "cleanup" in terminal.getvalue()
    assert "0/2" in terminal.getvalue()  # the total is announced before deleting
    assert out.startswith("Cleanup: Deleted 2 builds")
