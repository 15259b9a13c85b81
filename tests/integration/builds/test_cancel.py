"""Build cancel requests: the service and the admin action that calls it."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from builds.services import request_cancel
from koschei_site.errors import ServiceError
from packages.models import LogEntry
from packages.states import BuildState, LogEnvironment
from tests.factories import make_build, make_package, reload

pytestmark = pytest.mark.django_db

BUILDS = reverse("admin:builds_build_changelist")


@pytest.fixture
def package(collection):
    return make_package("foo", collection, tracked=True)


def cancel(client, *builds):
    return client.post(
        BUILDS, {"action": "cancel", "_selected_action": [b.pk for b in builds]}, follow=True
    )


def test_request_cancel_marks_a_running_build_and_audits_it(package, staff_user):
    build = make_build(package, BuildState.RUNNING)
    assert request_cancel(build=build, user=staff_user, environment=LogEnvironment.ADMIN)
    assert build.cancel_requested
    assert reload(build).cancel_requested
    entry = LogEntry.objects.get()
    assert entry.message == f"Build (id={build.pk}, task_id={build.task_id}) cancelation requested"
    assert (entry.user, entry.environment, entry.base) == (staff_user, "admin", package.base)


@pytest.mark.parametrize("state", [BuildState.COMPLETE, BuildState.FAILED])
def test_request_cancel_refuses_finished_builds(package, staff_user, state):
    build = make_build(package, state)
    with pytest.raises(ServiceError, match=r"^Only running builds can be canceled\.$"):
        request_cancel(build=build, user=staff_user, environment=LogEnvironment.ADMIN)
    assert not reload(build).cancel_requested
    assert not LogEntry.objects.exists()


def test_request_cancel_refuses_a_second_request(package, staff_user):
    build = make_build(package, BuildState.RUNNING, cancel_requested=True)
    with pytest.raises(ServiceError, match=r"^Build already has pending cancelation request\.$"):
        request_cancel(build=build, user=staff_user, environment=LogEnvironment.ADMIN)
    assert not LogEntry.objects.exists()


def test_request_cancel_looks_at_the_database_not_a_stale_instance(package, staff_user):
    build = make_build(package, BuildState.RUNNING)
    stale = reload(build)
    request_cancel(build=build, user=staff_user, environment=LogEnvironment.ADMIN)
    with pytest.raises(ServiceError, match="pending cancelation"):
        request_cancel(build=stale, user=staff_user, environment=LogEnvironment.ADMIN)
    assert LogEntry.objects.count() == 1


def test_cancel_action_requests_cancelation_of_running_builds(client, staff_user, package):
    running = make_build(package, BuildState.RUNNING)
    client.force_login(staff_user)
    response = cancel(client, running)
    assert "Cancelation request sent for 1 build(s)." in html.unescape(response.content.decode())
    assert reload(running).cancel_requested
    assert LogEntry.objects.get().message == (
        f"Build (id={running.pk}, task_id={running.task_id}) cancelation requested"
    )


def test_cancel_action_reports_finished_and_already_requested_builds(
    client, staff_user, collection, package
):
    done = make_build(package, BuildState.COMPLETE, hours_ago=5)
    requested = make_build(
        make_package("bar", collection), BuildState.RUNNING, cancel_requested=True
    )
    running = make_build(package, BuildState.RUNNING)
    client.force_login(staff_user)
    text = html.unescape(cancel(client, done, requested, running).content.decode())
    assert "1 build(s) skipped: Only running builds can be canceled." in text
    assert "1 build(s) skipped: Build already has pending cancelation request." in text
    assert "Cancelation request sent for 1 build(s)." in text
    assert not reload(done).cancel_requested
    assert reload(running).cancel_requested
    assert LogEntry.objects.count() == 1


def test_a_plain_user_cannot_cancel_builds(client, plain_user, package):
    running = make_build(package, BuildState.RUNNING)
    client.force_login(plain_user)
    response = client.post(BUILDS, {"action": "cancel", "_selected_action": [running.pk]})
    assert response.status_code == 302
    assert not reload(running).cancel_requested
    assert not LogEntry.objects.exists()


def test_builds_cannot_be_edited_or_deleted_in_the_admin(client, staff_user, package):
    build = make_build(package, BuildState.RUNNING)
    client.force_login(staff_user)
    change = reverse("admin:builds_build_change", args=[build.pk])
    assert client.post(change, {"cancel_requested": "on"}).status_code == 403
    delete = reverse("admin:builds_build_delete", args=[build.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert not reload(build).cancel_requested
