"""The collection and package admin as an operations console against kojisim: Koji's
latest repo beside the recorded one, scratch builds submitted now, re-resolution."""

from __future__ import annotations

import re

import pytest

from builds.models import Build, SubmissionClaim
from builds.services.repo_status import repo_status
from packages.models import Collection, LogEntry, Package
from packages.states import BuildState
from resolution.models import ResolutionRun, RunKind, RunState
from resolution.services.outcomes import eligible_packages
from tests.conftest import use_kojisim
from tests.integration.builds import test_collection_commands, test_scheduler

pytestmark = pytest.mark.django_db
f42, sessions = test_scheduler.f42, test_scheduler.sessions
koji_calls = test_collection_commands.koji_calls
PACKAGES = "/admin/packages/package/"


@pytest.fixture
def operator(client, staff_user):
    client.force_login(staff_user)
    return client


def collection_page(client, collection) -> str:
    response = client.get(f"/admin/packages/collection/{collection.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def panel(body: str) -> str:
    return re.sub(r"\s+", " ", body.split('id="repo-status"')[1].split("</fieldset>")[0])


def test_the_collection_page_shows_koji_latest_repo_beside_the_recorded_one(
    operator, f42, koji_hub
):
    latest = koji_hub.session().getRepo("f42-build")
    Collection.objects.filter(pk=f42.pk).update(latest_repo_id=latest["id"])
    shown = panel(collection_page(operator, f42))
    assert f"<td>{latest['id']}</td>" in shown and "Up to date with Koji." in shown
    koji_hub.sim("advanceClock", 3 * 3600)
    newer = koji_hub.sim("regenRepo", "f42-build")
    shown = panel(collection_page(operator, f42))
    assert f"<td>{newer['id']}</td>" in shown and f"<td>{latest['id']}</td>" in shown
    behind = newer["id"] - latest["id"]
    assert f"Behind Koji by {behind} repo id" in shown
    assert "3\xa0hours older than Koji" in shown or "3 hours older than Koji" in shown


def test_staleness_figures_come_from_koji_creation_times(f42, koji_hub, sessions):
    first = koji_hub.session().getRepo("f42-build")
    koji_hub.sim("advanceClock", 600)
    second = koji_hub.sim("regenRepo", "f42-build")
    f42.latest_repo_id = first["id"]
    status = repo_status(collection=f42, sessions=sessions)
    assert status.koji_latest.repo_id == second["id"] and status.recorded.repo_id == first["id"]
    assert status.repos_behind == second["id"] - first["id"]
    assert 590 <= status.stale_for.total_seconds() <= 610
    assert not status.error


def test_a_koji_that_does_not_answer_is_a_line_on_the_page_not_an_error(
    operator, f42, koji_hub, settings
):
    config = use_kojisim(settings, koji_hub)
    settings.KOSCHEI = {
        **config,
        "koji_config": {**config["koji_config"], "server": "http://127.0.0.1:9/kojihub"},
        "secondary_koji_config": {**config["koji_config"], "server": "http://127.0.0.1:9/kojihub"},
    }
    shown = panel(collection_page(operator, f42))
    assert "Koji unreachable: Koji get_latest_repo failed" in shown
    assert "<td>100</td>" in shown  # the recorded repo is still shown


def submit(client, packages, apply: bool = True):
    data = {"action": "submit_scratch_builds", "_selected_action": [p.pk for p in packages]}
    if apply:
        data["apply"] = "yes"
    return client.post(PACKAGES, data, follow=True)


def test_submitting_a_build_asks_first_then_submits_through_koji_with_audit(operator, f42):
    foo = Package.objects.get(collection=f42, name="foo")
    page = submit(operator, [foo], apply=False).content.decode()
    assert "Submit scratch builds: 1 selected package" in page
    assert not Build.objects.filter(package=foo, state=BuildState.RUNNING).exists()
    body = submit(operator, [foo]).content.decode()
    build = Build.objects.get(package=foo, state=BuildState.RUNNING)
    assert f"Submitted foo in f42: task {build.task_id}" in body
    assert not SubmissionClaim.objects.exists()
    entry = LogEntry.objects.get(base=foo.base)
    assert entry.message == f"Scratch build of foo in f42 submitted: task {build.task_id}"
    assert entry.environment == "admin" and entry.user.username == "operator"


def test_a_building_blocked_or_unresolvable_package_is_refused(operator, f42):
    foo, bar = (Package.objects.get(collection=f42, name=n) for n in ("foo", "bar"))
    submit(operator, [foo])
    Package.objects.filter(pk=bar.pk).update(resolved=False)
    body = submit(operator, [foo, bar]).content.decode()
    assert "Not submitted: foo in f42: it has a running build" in body
    assert "Not submitted: bar in f42: its dependencies are not resolvable" in body
    Package.objects.filter(pk=bar.pk).update(resolved=True, blocked=True)
    assert "it is blocked in Koji" in submit(operator, [bar]).content.decode()
    assert Build.objects.filter(state=BuildState.RUNNING).count() == 1
    assert LogEntry.objects.filter(base__isnull=False).count() == 1


def test_a_non_staff_user_cannot_submit(client, plain_user, f42):
    client.force_login(plain_user)
    foo = Package.objects.get(collection=f42, name="foo")
    submit(client, [foo])
    assert not Build.objects.filter(state=BuildState.RUNNING).exists()


def test_re_resolving_a_collection_solves_every_package_again(operator, f42, koji_hub):
    Collection.objects.filter(pk=f42.pk).update(latest_repo_id=None, latest_repo_resolved=None)
    operator.post(
        "/admin/packages/collection/", {"action": "check_repos_now", "_selected_action": [f42.pk]}
    )
    first = ResolutionRun.objects.get(collection=f42)
    response = operator.post(
        "/admin/packages/collection/",
        {"action": "reresolve_now", "_selected_action": [f42.pk]},
        follow=True,
    )
    assert "Queued the re-resolution of 1 collection(s)" in response.content.decode()
    again = ResolutionRun.objects.filter(collection=f42).exclude(pk=first.pk).get()
    assert again.repo_id == first.repo_id and again.kind == RunKind.FULL
    # chunks go out after commit, which the test's transaction never reaches: what the
    # run holds is every eligible package, to be solved without reuse
    solved = [pk for chunk in again.chunks.all() for pk in chunk.package_ids]
    assert sorted(solved) == sorted(eligible_packages(f42))
    assert not any(chunk.reusable for chunk in again.chunks.all()) and solved
    first.refresh_from_db()
    assert first.state == RunState.SUPERSEDED


@pytest.mark.django_db(transaction=True)
def test_koji_is_asked_outside_any_transaction(client, staff_user, f42, koji_calls):
    client.force_login(staff_user)
    koji_calls.clear()
    collection_page(client, f42)
    submit(client, [Package.objects.get(collection=f42, name="foo")])
    names = [name for name, _ in koji_calls]
    assert "getRepo" in names and "build" in names
    assert [name for name, atomic in koji_calls if atomic] == []
