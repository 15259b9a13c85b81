"""The build page and its cancel button (spec 2.2 ``/build/<id>``, ``/build/<id>/cancel``)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from builds.models import Build
from builds.services.stats import refresh_stats
from packages.models import LogEntry
from packages.states import BuildState
from resolution.models import AppliedChange
from tests.factories import make_build, make_dependency, make_package, make_task, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(collection):
    package = make_package("bash", collection, tracked=True)
    make_build(package, hours_ago=5)
    build = make_build(package, state=BuildState.RUNNING, repo_id=3)
    make_task(build, arch="x86_64", state=1)
    return build


def test_the_build_page_shows_tasks_logs_and_changes(client, collection):
    package = make_package("bash", collection, tracked=True)
    build = make_build(package, deps_resolved=True, version="5.2", release="3.fc42")
    task = make_task(build, arch="aarch64")
    AppliedChange.objects.create(
        build=build,
        prev_dep=make_dependency("ncurses-libs", "6.4"),
        curr_dep=make_dependency("ncurses-libs", "6.5"),
        distance=1,
    )
    body = client.get(f"/build/{build.pk}").content.decode()
    assert "5.2" in body and "3.fc42" in body
    assert f"/work/tasks/{task.task_id % 10000}/{task.task_id}/build.log" in body
    assert "ncurses-libs" in body and "6.5" in body
    assert "Cancel this build" not in body
    assert client.get("/build/999999").status_code == 404


@pytest.mark.parametrize(
    ("deps_resolved", "text"),
    [(None, "were not processed yet"), (False, "could not be processed")],
)
def test_the_build_page_says_why_there_are_no_changes(client, collection, deps_resolved, text):
    build = make_build(make_package("bash", collection), deps_resolved=deps_resolved)
    assert text in client.get(f"/build/{build.pk}").content.decode()


def test_staff_see_and_use_the_cancel_button(client, running, staff_user):
    client.force_login(staff_user)
    assert "Cancel this build" in client.get(f"/build/{running.pk}").content.decode()
    response = client.post(f"/build/{running.pk}/cancel", follow=True)
    assert response.redirect_chain[0][0] == "/package/bash?collection=f42"
    assert "Cancelation request sent." in response.content.decode()
    assert reload(running).cancel_requested
    assert LogEntry.objects.filter(message__contains="cancelation requested").count() == 1
    again = client.post(f"/build/{running.pk}/cancel", follow=True).content.decode()
    assert "Build already has pending cancelation request." in again
    assert LogEntry.objects.filter(message__contains="cancelation requested").count() == 1


def test_only_running_builds_can_be_canceled(client, collection, staff_user):
    build = make_build(make_package("bash", collection))
    client.force_login(staff_user)
    response = client.post(f"/build/{build.pk}/cancel", follow=True)
    assert "Only running builds can be canceled." in response.content.decode()
    assert not reload(build).cancel_requested


def test_cancel_needs_a_logged_in_operator_a_post_and_a_csrf_token(client, running, plain_user):
    response = client.post(f"/build/{running.pk}/cancel")
    assert response.status_code == 302 and "login" in response.url
    client.force_login(plain_user)
    assert client.post(f"/build/{running.pk}/cancel").status_code == 403
    assert client.get(f"/build/{running.pk}/cancel").status_code == 405
    assert not Build.objects.get(pk=running.pk).cancel_requested


def test_cancel_is_refused_without_csrf_token(running, staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post(f"/build/{running.pk}/cancel").status_code == 403
    assert not reload(running).cancel_requested


def test_stats_show_the_totals_and_koji_time_per_package(client, collection):
    package = make_package("bash", collection, tracked=True)
    build = make_build(package, hours_ago=2)
    make_task(build, arch="x86_64", finished=build.started + timedelta(minutes=30))
    make_build(make_package("zsh", collection), real=True)
    assert "were not computed yet" in client.get("/stats").content.decode()
    refresh_stats()
    body = client.get("/stats").content.decode()
    assert re.search(r"Scratch builds</th><td[^>]*>1<", body)
    assert re.search(r"Real builds</th><td[^>]*>1<", body)
    assert "0:30:00" in body and "10000.00 \u2031" in body
    assert client.get("/stats?page=2").status_code == 404
