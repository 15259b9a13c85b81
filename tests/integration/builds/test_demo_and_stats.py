"""The demo loader (make demo) and the statistics refresh."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from builds.models import Build, ResourceConsumptionStats, ScalarStats
from builds.services.stats import refresh_stats
from packages.models import Collection, Package
from packages.states import BuildState
from tests.factories import make_build, make_package, make_task

pytestmark = pytest.mark.django_db


def test_load_demo_feeds_a_collection_from_koji_once(koji_hub, settings, capsys):
    settings.DEBUG = True
    koji = settings.KOSCHEI["koji_config"]
    settings.KOSCHEI["koji_config"] = {**koji, "build_arches": ["x86_64"]}
    call_command("load-demo", "--target", "f42")
    assert "Demo loaded from Koji" in capsys.readouterr().out
    collection = Collection.objects.get()
    assert (collection.target, collection.build_tag, collection.dest_tag) == (
        "f42",
        "f42-build",
        "f42",
    )
    assert Package.objects.filter(tracked=True, last_build__isnull=False).exists()
    assert Build.objects.filter(real=True).exists()
    assert get_user_model().objects.get(username="admin").is_staff
    counts = (Package.objects.count(), Build.objects.count())
    call_command("load-demo", "--target", "f42")
    assert "already loaded" in capsys.readouterr().out
    assert (Package.objects.count(), Build.objects.count()) == counts


def test_load_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("load-demo")
    assert not Collection.objects.exists()


def test_refresh_stats_counts_packages_builds_and_task_time(collection):
    foo = make_package("foo", collection, tracked=True)
    make_package("bar", collection, blocked=True)
    build = make_build(foo, BuildState.COMPLETE, hours_ago=5, real=True)
    make_build(foo, BuildState.RUNNING, hours_ago=1)
    make_task(build, "x86_64", finished=build.started + timedelta(hours=3))
    make_task(build, "i386", finished=build.started + timedelta(hours=1))
    refresh_stats()
    refresh_stats()  # replaces, never accumulates
    stats = ScalarStats.objects.get()
    assert (stats.packages, stats.tracked_packages, stats.blocked_packages) == (2, 1, 1)
    assert (stats.builds, stats.real_builds, stats.scratch_builds) == (2, 1, 1)
    assert (stats.untracked_packages, stats.active_packages) == (1, 1)
    rows = {r.arch: r for r in ResourceConsumptionStats.objects.all()}
    assert rows["x86_64"].time == timedelta(hours=3)
    assert rows["x86_64"].time_percentage == pytest.approx(0.75)
    assert rows["i386"].time_percentage == pytest.approx(0.25)
