"""koschei-status: stale resolution, silent schedules and failing tasks are problems."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_q.models import Failure, Schedule, Success

from builds.models import RepoMapping
from koschei_site.schedules import PREFIX, sync_schedules
from packages.models import Collection
from resolution.models import ResolutionRun, RunKind, RunState
from resolution.services.health import service_health
from tests.factories import make_collection

pytestmark = pytest.mark.django_db


def resolved(collection, hours_ago: float) -> None:
    ResolutionRun.objects.create(
        collection=collection,
        repo_id=100,
        kind=RunKind.FULL,
        state=RunState.DONE,
        finished_at=timezone.now() - timedelta(hours=hours_ago),
    )


def task_done(func: str, *, ok: bool = True, hours_ago: float = 0) -> None:
    at = timezone.now() - timedelta(hours=hours_ago)
    model = Success if ok else Failure
    model.objects.create(
        id=uuid.uuid4().hex, name="t", func=func, started=at, stopped=at,
        success=ok,
    )  # fmt: skip


@pytest.fixture
def running_service():
    """A collection resolved an hour ago and every schedule succeeding just now."""
    collection = make_collection("f42")
    resolved(collection, hours_ago=1)
    sync_schedules()
    for schedule in Schedule.objects.filter(name__startswith=PREFIX):
        task_done(schedule.func)
    return collection


def test_a_service_keeping_up_is_healthy(running_service):
    health = service_health()
    assert health.healthy, health.problems
    [collection] = health.collections
    assert collection.name == "f42" and collection.running_builds == 0
    assert all(s.last_success is not None for s in health.schedules)


def test_a_collection_not_resolved_for_too_long_is_a_problem(running_service):
    resolved(make_collection("f41"), hours_ago=30)
    make_collection("epel9")
    assert service_health().problems == [
        "f41: last resolved 30 h ago",
        "epel9: no repo resolved yet",
    ]


def test_a_repo_error_is_a_problem(running_service):
    running_service.repo_error = "repo 101 is empty"
    running_service.save()
    assert service_health().problems == ["f42: repo error: repo 101 is empty"]


def secondary(name: str, hours_ago: float):
    collection = make_collection(
        name, secondary_mode=True, latest_repo_id=100, latest_repo_resolved=True
    )
    resolved(collection, hours_ago=hours_ago)
    return collection


def test_a_secondary_repo_without_a_primary_repo_for_too_long_is_a_problem(running_service):
    secondary("s42", hours_ago=2)
    RepoMapping.objects.create(secondary_id=100, task_id=7, failures=2)
    assert service_health().problems == [
        "s42: no primary repo for secondary repo 100, resolved 2 h ago (2 newRepo tasks failed)"
    ]
    RepoMapping.objects.all().delete()
    assert service_health().problems == [
        "s42: no primary repo for secondary repo 100, resolved 2 h ago"
    ]


def test_a_secondary_repo_mapped_or_waiting_briefly_is_healthy(running_service):
    secondary("s42", hours_ago=0.5)
    assert service_health().healthy
    Collection.objects.filter(name="s42").update(latest_repo_id=101)
    resolved(Collection.objects.get(name="s42"), hours_ago=2)
    RepoMapping.objects.create(secondary_id=101, task_id=7, primary_id=9)
    health = service_health()
    assert health.healthy, health.problems
    [s42] = [c for c in health.collections if c.name == "s42"]
    assert (s42.secondary_mode, s42.primary_repo_id) == (True, 9)


def test_a_schedule_without_success_for_three_intervals_is_a_problem(running_service):
    Success.objects.filter(func="builds.tasks.schedule_builds").update(
        stopped=timezone.now() - timedelta(minutes=4)
    )
    assert service_health().problems == ["schedule scheduler: last success 4 min ago"]


def test_no_schedules_at_all_is_a_problem(db):
    resolved(make_collection("f42"), hours_ago=0)
    assert service_health().problems == ["no schedules: run manage.py sync-schedules"]


def test_many_failed_tasks_in_a_day_are_a_problem(running_service, settings):
    for n in range(3):
        task_done(f"builds.tasks.poll_builds#{n}", ok=False)
    task_done("builds.tasks.poll_builds#old", ok=False, hours_ago=25)
    settings.KOSCHEI = {
        **settings.KOSCHEI,
        "services": {
            **settings.KOSCHEI["services"],
            "health": {**settings.KOSCHEI["services"]["health"], "max_failures_per_day": 2},
        },
    }
    health = service_health()
    assert health.failures_last_day == 3
    assert health.problems == ["3 failed tasks in the last day"]


def test_the_command_prints_the_figures_and_exits_zero_when_healthy(running_service):
    out = io.StringIO()
    call_command("koschei-status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("collection f42: repo - resolved ")
    assert any(line.startswith("schedule scheduler: every 1 min") for line in lines)
    assert lines[-2] == "queue: 0 waiting; 0 failed in the last day"
    assert lines[-1] == "healthy"


def test_the_command_lists_problems_and_exits_non_zero_when_unhealthy(running_service):
    make_collection("epel9")
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"^unhealthy: 1 problems$"):
        call_command("koschei-status", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == ["problem: epel9: no repo resolved yet"]


def test_the_operator_page_shows_the_same_health_to_staff_only(
    running_service, client, plain_user, staff_user
):
    assert client.get("/operator").url.startswith("/login")
    client.force_login(plain_user)
    assert client.get("/operator").status_code == 403
    client.force_login(staff_user)
    healthy = client.get("/operator").content.decode()
    assert "Healthy" in healthy and "repo check" in healthy
    running_service.repo_error = "repo 100 is empty"
    running_service.save()
    body = client.get("/operator").content.decode()
    assert "repo 100 is empty" in body
    assert all(problem in body for problem in service_health().problems)
