"""Group forms (add, edit, delete with confirmation), add packages and a user's packages:
the authorization matrix, validation messages, CSRF."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from packages.models import LogEntry, PackageGroup
from tests.factories import make_collection, make_group, make_package, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def packages(collection):
    for name in ("bash", "zsh", "tcsh"):
        make_package(name, collection, tracked=name != "tcsh")
    return collection


@pytest.fixture
def shells(packages):
    return make_group("maint/shells", members=("bash", "zsh"), maintainers=("maint",))


@pytest.fixture
def maint(shells):
    return get_user_model().objects.get(username="maint")


def flashes(response) -> list[str]:
    return re.findall(r'class="notice notice-[a-z]+">([^<]*)', response.content.decode())


def test_a_user_creates_a_group_in_their_namespace(client, packages, plain_user):
    client.force_login(plain_user)
    assert client.get("/add-group").status_code == 200
    form = {"name": "mine", "packages": "bash, zsh", "owners": "packager friend"}
    response = client.post("/add-group", form, follow=True)
    assert response.redirect_chain[-1][0] == "/groups/packager/mine"
    assert flashes(response) == ["Group created"]
    group = PackageGroup.objects.get(namespace="packager", name="mine")
    assert set(group.members.values_list("name", flat=True)) == {"bash", "zsh"}
    assert {u.username for u in group.maintainers.all()} == {"packager", "friend"}
    assert LogEntry.objects.filter(environment="frontend").exists()


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"name": "bad name", "packages": "bash", "owners": "x"}, "Invalid group name"),
        ({"name": "g", "packages": "", "owners": "x"}, "Empty group not allowed"),
        ({"name": "g", "packages": "bash", "owners": ""}, "Group must have an owner"),
        (
            {"name": "g", "packages": "bash nothere", "owners": "x"},
            "Packages don&#x27;t exist: nothere",
        ),
        ({"name": "g", "packages": "<b>", "owners": "x"}, "Invalid package names"),
    ],
)
def test_bad_group_forms_say_why_and_change_nothing(client, packages, plain_user, form, error):
    client.force_login(plain_user)
    response = client.post("/add-group", form)
    assert response.status_code == 200 and error in response.content.decode()
    assert not PackageGroup.objects.exists() and not LogEntry.objects.exists()


def test_a_duplicate_group_is_refused(client, packages, plain_user):
    make_group("packager/mine", members=("bash",), maintainers=("packager",))
    client.force_login(plain_user)
    form = {"name": "mine", "packages": "zsh", "owners": "packager"}
    assert "Group already exists" in client.post("/add-group", form).content.decode()


def test_only_maintainers_and_staff_see_and_use_the_edit_form(client, shells, maint, plain_user):
    assert client.get("/groups/maint/shells/edit").url.startswith("/login")
    client.force_login(plain_user)
    assert client.get("/groups/maint/shells/edit").status_code == 403  # upstream showed it
    form = {"name": "shells", "packages": "tcsh", "owners": "packager"}
    assert client.post("/groups/maint/shells/edit", form).status_code == 403
    assert "Edit this group" not in client.get("/groups/maint/shells").content.decode()
    client.force_login(maint)
    assert "Edit this group" in client.get("/groups/maint/shells").content.decode()
    page = client.get("/groups/maint/shells/edit").content.decode()
    assert "bash\nzsh" in page
    form = {"name": "sh", "packages": "tcsh zsh", "owners": "maint other"}
    response = client.post("/groups/maint/shells/edit", form, follow=True)
    assert flashes(response) == ["Group modified"]
    group = reload(shells)
    assert group.full_name == "maint/sh"
    assert set(group.members.values_list("name", flat=True)) == {"tcsh", "zsh"}


def test_a_failed_edit_changes_nothing(client, shells, maint):
    client.force_login(maint)
    form = {"name": "renamed", "packages": "bash", "owners": "bad user!"}
    response = client.post("/groups/maint/shells/edit", form)
    assert "Invalid user name" in response.content.decode()
    assert reload(shells).name == "shells"


def test_delete_asks_first_and_only_maintainers_may(client, shells, maint, plain_user, staff_user):
    client.force_login(plain_user)
    assert client.get("/groups/maint/shells/delete").status_code == 403
    assert client.post("/groups/maint/shells/delete").status_code == 403
    client.force_login(maint)
    assert "Delete the group" in client.get("/groups/maint/shells/delete").content.decode()
    assert PackageGroup.objects.filter(pk=shells.pk).exists()
    response = client.post("/groups/maint/shells/delete", follow=True)
    assert flashes(response) == ["Group maint/shells deleted"]
    assert not PackageGroup.objects.filter(pk=shells.pk).exists()
    other = make_group("x/other", members=("bash",), maintainers=("x",))
    client.force_login(staff_user)
    client.post("/groups/x/other/delete")
    assert not PackageGroup.objects.filter(pk=other.pk).exists()


def test_group_posts_need_csrf_tokens(shells, maint):
    client = Client(enforce_csrf_checks=True)
    client.force_login(maint)
    assert client.post("/groups/maint/shells/delete").status_code == 403
    assert client.post("/add-group", {"name": "g"}).status_code == 403
    assert PackageGroup.objects.filter(pk=shells.pk).exists()


def test_add_packages_tracks_them_and_may_fill_a_group(client, shells, maint):
    assert client.get("/add-packages").url.startswith("/login")
    client.force_login(maint)
    form = {"packages": "tcsh bash", "collection": "f42", "group": "maint/shells"}
    response = client.post("/add-packages", form, follow=True)
    assert flashes(response) == ["Packages added: tcsh"]
    assert shells.members.filter(name="tcsh").exists()
    missing = client.post("/add-packages", {**form, "packages": "nothere"}).content.decode()
    assert "Packages don&#x27;t exist: nothere" in missing
    assert client.post("/add-packages", {**form, "collection": "f99"}).status_code == 404
    assert client.post("/add-packages", {**form, "group": "no/such"}).status_code == 404


def test_add_packages_to_someone_elses_group_is_refused(client, shells, plain_user):
    client.force_login(plain_user)
    form = {"packages": "tcsh", "collection": "f42", "group": "maint/shells"}
    assert client.post("/add-packages", form).status_code == 403
    assert not reload(shells).members.filter(name="tcsh").exists()
    package = shells.members.model.objects.get(name="tcsh").packages.get()
    assert not package.tracked


def test_a_users_page_lists_the_packages_of_their_groups(client, shells, maint, plain_user):
    make_collection("f43")
    assert client.get("/user/maint").url.startswith("/login")
    client.force_login(plain_user)
    body = client.get("/user/maint?collection=f42").content.decode()
    assert "/package/bash?" in body and "/package/zsh?" in body and "tcsh" not in body
    assert client.get("/user/nobody").status_code == 404
    tabs = client.get("/groups").content.decode()
    assert 'href="/user/packager"' in tabs and 'href="/add-packages"' in tabs
