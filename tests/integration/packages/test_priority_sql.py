"""Package.objects.with_priority() computes spec 3.1's priority in SQL, NULL when unschedulable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from builds.models import Build
from packages.models import Package
from packages.priority import current_priority, time_priority
from packages.states import BuildState
from tests.factories import make_build, make_collection, make_package, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved_collection():
    return make_collection("f42", latest_repo_id=7, latest_repo_resolved=True)


def schedulable_package(collection, name="foo", hours_ago=10.0, **fields):
    """A tracked, resolved package whose only (complete) build started hours_ago."""
    package = make_package(name, collection, tracked=True, resolved=True, **fields)
    make_build(package, BuildState.COMPLETE, hours_ago=hours_ago)
    return reload(package)


def priority_now(package, **components):
    """The SQL priority, with the Python priority for the hours before and after the query."""
    started = Build.objects.get(pk=package.last_build_id).started
    before = timezone.now()
    value = Package.objects.with_priority().get(pk=package.pk).current_priority
    after = timezone.now()

    def python(at):
        return current_priority(
            manual=package.manual_priority,
            static=package.static_priority,
            dependency=package.dependency_priority,
            build=package.build_priority,
            hours_since_last_build=(at - started).total_seconds() / 3600,
            coefficient=package.collection.priority_coefficient,
        )

    return value, python(before), python(after)


@pytest.mark.parametrize(
    ("hours", "expected"), [(2, -30), (10, 39.2447), (34, 133.2625), (730, 368.8636)]
)
def test_sql_time_priority_matches_the_reference_values(resolved_collection, hours, expected):
    package = schedulable_package(resolved_collection, hours_ago=hours)
    value, low, high = priority_now(package)
    assert low - 1e-3 <= value <= high + 1e-3
    assert value == pytest.approx(expected, abs=1e-2)
    assert time_priority(hours) == pytest.approx(expected, abs=1e-4)


def test_sql_priority_of_a_fresh_build_gives_the_reference_sum():
    collection = make_collection(
        "f42", latest_repo_id=7, latest_repo_resolved=True, priority_coefficient=0.5
    )
    package = schedulable_package(
        collection,
        hours_ago=0,
        manual_priority=10,
        static_priority=20,
        dependency_priority=40,
        build_priority=50,
    )
    value = Package.objects.with_priority().get(pk=package.pk).current_priority
    assert value == pytest.approx(60, abs=1e-3)


@pytest.mark.parametrize(
    ("fields", "coefficient", "hours"),
    [
        ({"manual_priority": 100}, 1.0, 730),
        ({"static_priority": -50, "dependency_priority": 256}, 2.0, 34),
        ({"manual_priority": 10, "static_priority": 20}, 0.0, 10),
        ({"build_priority": 3000, "dependency_priority": 565}, 1.5, 100),
        ({"manual_priority": -1000}, 1.0, 5000),
    ],
)
def test_sql_priority_equals_the_python_priority(fields, coefficient, hours):
    collection = make_collection(
        "f42", latest_repo_id=7, latest_repo_resolved=True, priority_coefficient=coefficient
    )
    package = schedulable_package(collection, hours_ago=hours, **fields)
    value, low, high = priority_now(package)
    assert min(low, high) - 1e-3 <= value <= max(low, high) + 1e-3


def test_the_time_term_counts_from_the_newest_build(resolved_collection):
    package = schedulable_package(resolved_collection, hours_ago=730)
    make_build(package, BuildState.FAILED, hours_ago=10)
    value, low, high = priority_now(reload(package))
    assert value == pytest.approx(39.2447, abs=1e-2)
    assert low - 1e-3 <= value <= high + 1e-3


UNSCHEDULABLE = {
    "blocked": {"blocked": True},
    "untracked": {"tracked": False},
    "unresolved": {"resolved": False},
    "not resolved yet": {"resolved": None},
}


@pytest.mark.parametrize("fields", UNSCHEDULABLE.values(), ids=UNSCHEDULABLE.keys())
def test_priority_is_null_for_unschedulable_package_flags(resolved_collection, fields):
    package = schedulable_package(resolved_collection)
    Package.objects.filter(pk=package.pk).update(**fields)
    assert Package.objects.with_priority().get(pk=package.pk).current_priority is None
    assert not Package.objects.by_priority().filter(pk=package.pk).exists()
    assert not Package.objects.schedulable().filter(pk=package.pk).exists()


def test_priority_is_null_without_any_build(resolved_collection):
    package = make_package("foo", resolved_collection, tracked=True, resolved=True)
    assert Package.objects.with_priority().get(pk=package.pk).current_priority is None
    assert not Package.objects.by_priority().exists()


def test_priority_is_null_while_a_build_runs(resolved_collection):
    package = schedulable_package(resolved_collection)
    make_build(package, BuildState.RUNNING, hours_ago=1)
    assert reload(package).has_running_build
    assert Package.objects.with_priority().get(pk=package.pk).current_priority is None
    assert not Package.objects.by_priority().exists()


def test_priority_is_null_when_the_only_build_runs(resolved_collection):
    package = make_package("foo", resolved_collection, tracked=True, resolved=True)
    make_build(package, BuildState.RUNNING, hours_ago=30)
    assert Package.objects.with_priority().get(pk=package.pk).current_priority is None


@pytest.mark.parametrize(("repo_id", "resolved"), [(7, False), (None, None)])
def test_priority_is_null_while_the_base_buildroot_is_not_resolved(repo_id, resolved):
    collection = make_collection("f42", latest_repo_id=repo_id, latest_repo_resolved=resolved)
    package = schedulable_package(collection)
    assert Package.objects.with_priority().get(pk=package.pk).current_priority is None
    assert not Package.objects.by_priority().exists()


def test_skipping_resolution_makes_an_unresolved_package_schedulable(resolved_collection):
    package = schedulable_package(resolved_collection)
    Package.objects.filter(pk=package.pk).update(resolved=None, skip_resolution=True)
    value = Package.objects.with_priority().get(pk=package.pk).current_priority
    assert value == pytest.approx(39.2447, abs=1e-2)
    assert list(Package.objects.by_priority()) == [package]


def test_by_priority_orders_highest_first_and_leaves_out_the_unschedulable(resolved_collection):
    low = schedulable_package(resolved_collection, "low", hours_ago=10)
    high = schedulable_package(resolved_collection, "high", hours_ago=730)
    manual = schedulable_package(resolved_collection, "manual", hours_ago=2, manual_priority=1000)
    schedulable_package(resolved_collection, "blocked", hours_ago=5000, blocked=True)
    make_package("never-built", resolved_collection, tracked=True, resolved=True)
    ordered = list(Package.objects.by_priority())
    assert ordered == [manual, high, low]
    priorities = [p.current_priority for p in ordered]
    assert priorities == sorted(priorities, reverse=True)


def test_with_priority_keeps_unschedulable_packages_with_a_null_priority(resolved_collection):
    schedulable_package(resolved_collection, "ok")
    schedulable_package(resolved_collection, "blocked", blocked=True)
    values = dict(Package.objects.with_priority().values_list("name", "current_priority"))
    assert values["blocked"] is None
    assert values["ok"] == pytest.approx(39.2447, abs=1e-2)


def test_priority_follows_the_coefficient_of_each_packages_own_collection():
    f41 = make_collection(
        "f41", latest_repo_id=1, latest_repo_resolved=True, priority_coefficient=2
    )
    f42 = make_collection("f42", latest_repo_id=2, latest_repo_resolved=True)
    schedulable_package(f41, "foo", hours_ago=730, static_priority=5)
    schedulable_package(f42, "foo", hours_ago=730, static_priority=5)
    values = dict(
        Package.objects.with_priority().values_list(F("collection__name"), "current_priority")
    )
    assert values["f41"] == pytest.approx(5 + 2 * 368.8636, abs=1e-2)
    assert values["f42"] == pytest.approx(5 + 368.8636, abs=1e-2)


def test_time_priority_uses_the_configured_curve(resolved_collection, settings):
    settings.KOSCHEI = {
        **settings.KOSCHEI,
        "priorities": {**settings.KOSCHEI["priorities"], "build_threshold": 100, "t0": 1, "t1": 10},
    }
    package = schedulable_package(resolved_collection, hours_ago=100)
    value = Package.objects.with_priority().get(pk=package.pk).current_priority
    assert value == pytest.approx(200, abs=1e-2)


def test_a_build_started_in_the_future_counts_as_fresh(resolved_collection):
    package = make_package("foo", resolved_collection, tracked=True, resolved=True)
    make_build(package, BuildState.COMPLETE, started=timezone.now() + timedelta(hours=3))
    value = Package.objects.with_priority().get(pk=package.pk).current_priority
    assert value == pytest.approx(-30)
