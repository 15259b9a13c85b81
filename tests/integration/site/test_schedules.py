"""The periodic tasks are django-q2 schedules defined in code and synced idempotently."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.scheduler import scheduler

from builds.models import ScalarStats
from koschei_site.schedules import PREFIX, SCHEDULES, Periodic, sync_schedules
from tests.factories import make_collection, make_package

pytestmark = pytest.mark.django_db


def ours():
    return {s.name: (s.func, s.minutes) for s in Schedule.objects.filter(name__startswith=PREFIX)}


def test_a_first_sync_creates_every_schedule_to_run_at_once():
    result = sync_schedules()
    assert sorted(result.created) == sorted(PREFIX + p.name for p in SCHEDULES)
    assert ours() == {
        PREFIX + "polling: running builds": ("builds.tasks.poll_builds", 20),
        PREFIX + "polling: package lists": ("builds.tasks.refresh_packages", 20),
        PREFIX + "polling: real builds": ("builds.tasks.refresh_real_builds", 20),
        PREFIX + "polling: statistics": ("builds.tasks.refresh_stats", 20),
        PREFIX + "scheduler": ("builds.tasks.schedule_builds", 1),
        PREFIX + "repo check": ("resolution.tasks.check_new_repos", 1),
        PREFIX + "repo mappings": ("builds.tasks.refresh_repo_mappings", 1),
        PREFIX + "build resolver": ("resolution.tasks.resolve_builds", 1),
    }
    assert all(s.next_run <= timezone.now() for s in Schedule.objects.all())
    assert all(s.repeats == -1 for s in Schedule.objects.all())
    assert Schedule.objects.get(name=PREFIX + "scheduler").kwargs == "decisions=10"


def test_syncing_again_changes_nothing():
    sync_schedules()
    before = list(Schedule.objects.values().order_by("id"))
    result = sync_schedules()
    assert (result.created, result.changed, result.deleted) == ([], [], [])
    assert len(result.unchanged) == len(SCHEDULES)
    assert list(Schedule.objects.values().order_by("id")) == before


def test_an_operators_changed_interval_takes_effect_at_the_next_sync(settings):
    sync_schedules()
    config = copy.deepcopy(settings.KOSCHEI)
    config["services"]["polling"]["interval"] = 300
    settings.KOSCHEI = config
    result = sync_schedules()
    polling = (
        "polling: running builds",
        "polling: package lists",
        "polling: real builds",
        "polling: statistics",
    )
    assert sorted(result.changed) == sorted(PREFIX + name for name in polling)
    assert ours()[PREFIX + "polling: statistics"] == ("builds.tasks.refresh_stats", 5)


def test_our_stale_schedules_go_and_an_operators_own_stay():
    Schedule.objects.create(name=PREFIX + "retired", func="builds.tasks.refresh_stats")
    Schedule.objects.create(name="nightly report", func="builds.tasks.refresh_stats")
    result = sync_schedules()
    assert result.deleted == [PREFIX + "retired"]
    assert Schedule.objects.filter(name="nightly report").exists()


def test_a_schedule_naming_a_missing_task_fails_the_sync_and_changes_nothing():
    with pytest.raises(ImportError):
        sync_schedules((*SCHEDULES, Periodic("typo", "builds.tasks.no_such_task", "polling")))
    assert not Schedule.objects.exists()


def test_the_command_prints_what_it_did(capsys):
    call_command("sync-schedules")
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"schedules: {len(SCHEDULES)} created, 0 changed, 0 deleted, 0 unchanged"
    call_command("sync-schedules")
    assert capsys.readouterr().out.strip() == (
        f"schedules: 0 created, 0 changed, 0 deleted, {len(SCHEDULES)} unchanged"
    )


def test_django_q2s_scheduler_runs_a_due_schedule_and_plans_the_next_run():
    make_package("foo", make_collection("f42"), tracked=True)
    sync_schedules()
    Schedule.objects.exclude(func="builds.tasks.refresh_stats").update(
        next_run=timezone.now() + timedelta(hours=1)
    )
    scheduler(broker=get_broker())  # the tests run django-q2 synchronously
    assert ScalarStats.objects.exists()
    statistics = Schedule.objects.get(func="builds.tasks.refresh_stats")
    assert statistics.next_run > timezone.now() + timedelta(minutes=19)
