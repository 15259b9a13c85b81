"""``POST /package/<name>/edit``: who may change a package's settings and groups (the
authorization matrix: anonymous, user, group maintainer, staff), validation, CSRF."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from packages.models import LogEntry, Package
from resolution.models import UnappliedChange
from tests.factories import make_dependency, make_group, make_package, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def bash(collection):
    return make_package("bash", collection, tracked=True, resolved=True)


@pytest.fixture
def maintainer(bash):
    make_group("maint/shells", members=("bash",), maintainers=("maint",))
    return get_user_model().objects.get(username="maint")


def post(client, package, **fields):
    data = {"collection_id": str(package.collection_id), **fields}
    return client.post(f"/package/{package.name}/edit", data)


SETTINGS = {"tracked__present": "1", "manual_priority": "30", "arch_override": "x86_64 ^i386"}


def test_anonymous_users_are_sent_to_log_in_and_nothing_changes(client, bash):
    response = post(client, bash, **SETTINGS)
    assert response.status_code == 302 and response.url.startswith("/login")
    assert reload(bash).tracked and reload(bash).manual_priority == 0


def test_a_user_who_maintains_no_group_of_the_package_is_refused(client, bash, plain_user):
    client.force_login(plain_user)
    assert post(client, bash, **SETTINGS).status_code == 403
    assert reload(bash).tracked and not LogEntry.objects.exists()
    assert "Scheduling" not in client.get("/package/bash").content.decode()


@pytest.mark.parametrize("who", ["maintainer", "staff_user"])
def test_maintainers_and_staff_change_the_settings(client, bash, request, who):
    client.force_login(request.getfixturevalue(who))
    assert "Scheduling" in client.get("/package/bash").content.decode()
    response = post(client, bash, **SETTINGS)
    assert response.status_code == 302 and response.url == "/package/bash?collection=f42"
    bash = reload(bash)
    assert (bash.tracked, bash.manual_priority, bash.arch_override) == (False, 30, "x86_64 ^i386")
    entries = LogEntry.objects.filter(environment="frontend")
    assert entries.count() == 3 and {e.user.username for e in entries} == {
        request.getfixturevalue(who).username
    }


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"arch_override": "sparc"}, "Unrecognized arch in arch_override: sparc"),
        ({"manual_priority": "lots"}, "manual_priority"),
        ({"manual_priority": "99999999999"}, "manual_priority"),
        ({"group-prev-x": "true"}, "Bad field"),
    ],
)
def test_bad_input_is_reported_and_changes_nothing(client, bash, maintainer, fields, error):
    client.force_login(maintainer)
    response = client.post(
        "/package/bash/edit",
        {"collection_id": str(bash.collection_id), "tracked__present": "1", **fields},
        follow=True,
    )
    assert "Validation errors:" in response.content.decode()
    assert error in response.content.decode()
    assert reload(bash).tracked and not LogEntry.objects.exists()


def test_unknown_package_or_missing_collection(client, bash, maintainer):
    client.force_login(maintainer)
    assert client.post("/package/bash/edit", {"tracked__present": "1"}).status_code == 400
    assert client.post("/package/zsh/edit", {"collection_id": "1"}).status_code == 404
    assert client.get("/package/bash/edit").status_code == 405


def test_skipping_resolution_forgets_the_result_and_the_pending_changes(client, bash, maintainer):
    UnappliedChange.objects.create(package=bash, curr_dep=make_dependency("glibc"), distance=1)
    client.force_login(maintainer)
    post(client, bash, skip_resolution__present="1", skip_resolution="on")
    bash = reload(bash)
    assert bash.skip_resolution and bash.resolved is None
    assert not UnappliedChange.objects.filter(package=bash).exists()


def test_a_maintainer_adds_the_package_to_their_group_but_not_to_others(
    client, collection, bash, plain_user
):
    zsh = make_package("zsh", collection, tracked=True)
    mine = make_group("packager/mine", members=("zsh",), maintainers=("packager",))
    theirs = make_group("other/theirs", members=("zsh",), maintainers=("other",))
    client.force_login(plain_user)
    post(client, bash, **{f"group-prev-{mine.pk}": "false", f"group-{mine.pk}": "on"})
    assert set(mine.members.values_list("name", flat=True)) == {"bash", "zsh"}
    refused = post(client, bash, **{f"group-prev-{theirs.pk}": "false", f"group-{theirs.pk}": "on"})
    assert refused.status_code == 403
    assert set(theirs.members.values_list("name", flat=True)) == {"zsh"}
    # unchecking the last member is refused: a group is deleted, never emptied
    response = client.post(
        f"/package/{zsh.name}/edit",
        {"collection_id": str(zsh.collection_id), f"group-prev-{mine.pk}": "true"},
        follow=True,
    )
    assert set(mine.members.values_list("name", flat=True)) == {"bash"}
    assert "Package modified" in response.content.decode()
    empty = client.post(
        "/package/bash/edit",
        {"collection_id": str(bash.collection_id), f"group-prev-{mine.pk}": "true"},
        follow=True,
    )
    assert "would be empty" in empty.content.decode()
    assert set(mine.members.values_list("name", flat=True)) == {"bash"}


def test_editing_needs_a_csrf_token(bash, maintainer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(maintainer)
    assert post(client, bash, **SETTINGS).status_code == 403
    assert Package.objects.get(pk=bash.pk).tracked
