"""The builds domain's django-q2 tasks: each collection on its own, ids only, idempotent."""

from __future__ import annotations

import logging

import pytest

from builds import tasks
from builds.models import Build, ScalarStats
from packages.models import Package
from tests.factories import make_collection

pytestmark = pytest.mark.django_db


def test_refresh_packages_reports_a_failing_collection_and_refreshes_the_others(
    f42, koji_hub, caplog
):
    make_collection("broken", order=200, dest_tag="f42")  # done first (higher order)
    koji_hub.sim("addFault", {"kind": "fault", "method": "listPackages", "code": 1000})
    with caplog.at_level(logging.INFO, logger="builds.tasks"):
        assert tasks.refresh_packages() == 1
    assert not Package.objects.filter(collection__name="broken").exists()
    assert Package.objects.filter(collection=f42, name="foo").exists()
    lines = [r.getMessage() for r in caplog.records if r.name == "builds.tasks"]
    assert lines[-1] == "refresh_packages: 2 collections, 1 failed"
    assert lines[0].startswith("refresh_packages broken: failed: Koji list_packages failed:")


def test_refresh_real_builds_of_one_collection_by_id_is_idempotent(f42):
    assert tasks.refresh_packages(f42.pk) == 0
    Package.objects.filter(collection=f42).update(tracked=True)
    assert tasks.refresh_real_builds(f42.pk) == 0
    registered = set(Build.objects.values_list("id", flat=True))
    assert registered
    assert tasks.refresh_real_builds(f42.pk) == 0
    assert set(Build.objects.values_list("id", flat=True)) == registered


def test_refresh_real_builds_of_one_package_reads_and_registers_only_that_package(f42, koji_hub):
    """What a tag message enqueues: that package's latest build, not the whole tag."""
    assert tasks.refresh_packages(f42.pk) == 0
    Package.objects.filter(collection=f42).update(tracked=True)
    assert tasks.refresh_real_builds(f42.pk) == 0
    koji_hub.sim("newBuild", "bar", {"version": "9.0"})
    koji_hub.sim("newBuild", "foo", {"version": "9.0"})
    assert tasks.refresh_real_builds(f42.pk, "bar") == 0
    new = Build.objects.filter(real=True, version="9.0")
    assert list(new.values_list("package__name", flat=True)) == ["bar"]
    assert tasks.refresh_real_builds(f42.pk) == 0
    assert sorted(new.values_list("package__name", flat=True)) == ["bar", "foo"]


def test_a_collection_gone_before_its_task_ran_is_nothing_to_do(f42):
    gone = f42.pk
    f42.delete()
    assert tasks.refresh_packages(gone) == 0
    assert not Package.objects.exists()


def test_refresh_stats_fills_the_statistics(f42):
    tasks.refresh_stats()
    assert ScalarStats.objects.exists()
