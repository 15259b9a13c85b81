"""Group, maintainer, collection group and notice admin: writes go through the services."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from packages.models import (
    AdminNotice,
    CollectionGroup,
    CollectionGroupRelation,
    GroupACL,
    LogEntry,
    PackageGroup,
)
from packages.states import LogEnvironment
from tests.factories import make_collection, make_group, make_package

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def admin_messages(user) -> list[str]:
    return list(
        LogEntry.objects.filter(user=user, environment=LogEnvironment.ADMIN)
        .order_by("id")
        .values_list("message", flat=True)
    )


@pytest.fixture
def operator_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def packages(collection):
    return [make_package(name, collection) for name in ("foo", "bar", "baz")]


def group_url(view: str, *args: object) -> str:
    return reverse(f"admin:packages_packagegroup_{view}", args=args)


def test_creating_a_group_sets_content_and_maintainers_with_audit(
    operator_client, staff_user, packages
):
    response = operator_client.post(
        group_url("add"),
        {"namespace": "alice", "name": "tools", "packages": "foo, bar\nbar", "owners": "alice"},
    )
    assert response.status_code == 302
    group = PackageGroup.objects.get()
    assert group.full_name == "alice/tools"
    assert sorted(group.members.values_list("name", flat=True)) == ["bar", "foo"]
    assert list(group.maintainers.values_list("username", flat=True)) == ["alice"]
    assert admin_messages(staff_user)[0] == "Group alice/tools created"
    assert sorted(admin_messages(staff_user)[1:]) == [
        "Group tools modified: maintainer alice added",
        "Group tools modified: package bar added",
        "Group tools modified: package foo added",
    ]


def test_creating_a_group_with_unknown_packages_shows_the_error_and_creates_nothing(
    operator_client, packages
):
    response = operator_client.post(
        group_url("add"), {"name": "tools", "packages": "foo nosuch other", "owners": "alice"}
    )
    assert response.status_code == 200
    assert "Packages don't exist: nosuch,other" in text(response)
    assert response.context["adminform"].form["packages"].value() == "foo nosuch other"
    assert not PackageGroup.objects.exists()
    assert not LogEntry.objects.exists()
    assert not get_user_model().objects.filter(username="alice").exists()


@pytest.mark.parametrize("name", ["bad name", "a/b", "ünï"])
def test_an_invalid_group_name_is_a_form_error(operator_client, packages, name):
    response = operator_client.post(group_url("add"), {"name": name, "packages": "foo"})
    assert response.status_code == 200
    assert "Invalid group name" in text(response)
    assert not PackageGroup.objects.exists()


def test_a_duplicate_group_is_refused(operator_client, packages):
    make_group("tools")
    response = operator_client.post(group_url("add"), {"name": "tools", "packages": "foo"})
    assert response.status_code == 200
    assert PackageGroup.objects.count() == 1
    assert not LogEntry.objects.exists()


def test_editing_a_group_renames_and_replaces_content_and_maintainers(
    operator_client, staff_user, packages
):
    group = make_group("alice/tools", members=("foo", "bar"), maintainers=("alice",))
    response = operator_client.post(
        group_url("change", group.pk),
        {"namespace": "", "name": "devtools", "packages": "bar baz", "owners": "alice bob"},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.full_name == "devtools"
    assert sorted(group.members.values_list("name", flat=True)) == ["bar", "baz"]
    assert sorted(group.maintainers.values_list("username", flat=True)) == ["alice", "bob"]
    assert admin_messages(staff_user) == [
        "Group alice/tools modified: renamed to devtools",
        "Group devtools modified: package baz added",
        "Group devtools modified: package foo removed",
        "Group devtools modified: maintainer bob added",
    ]


def test_emptying_a_group_is_refused_and_keeps_it_unchanged(operator_client, packages):
    group = make_group("tools", members=("foo",), maintainers=("alice",))
    response = operator_client.post(
        group_url("change", group.pk), {"name": "renamed", "packages": "", "owners": "alice"}
    )
    assert response.status_code == 200
    assert "Group content empty" in text(response)
    group.refresh_from_db()
    assert group.name == "tools"
    assert list(group.members.values_list("name", flat=True)) == ["foo"]
    assert not LogEntry.objects.exists()


def test_the_group_change_form_shows_members_and_maintainers(operator_client, packages):
    group = make_group("tools", members=("foo", "bar"), maintainers=("alice",))
    form = operator_client.get(group_url("change", group.pk)).context["adminform"].form
    assert form["packages"].value() == "bar\nfoo"
    assert form["owners"].value() == "alice"


def test_deleting_a_group_is_audited(operator_client, staff_user, packages):
    group = make_group("alice/tools", members=("foo",))
    response = operator_client.post(group_url("delete", group.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not PackageGroup.objects.exists()
    assert admin_messages(staff_user) == ["Group alice/tools deleted"]


def test_adding_a_maintainer_by_user_name_creates_the_user_with_audit(
    operator_client, staff_user, packages
):
    group = make_group("tools", maintainers=("alice",))
    response = operator_client.post(
        reverse("admin:packages_groupacl_add"), {"group": group.pk, "username": "carol"}
    )
    assert response.status_code == 302
    assert sorted(group.maintainers.values_list("username", flat=True)) == ["alice", "carol"]
    assert admin_messages(staff_user) == ["Group tools modified: maintainer carol added"]


def test_adding_an_existing_maintainer_is_a_form_error(operator_client, packages):
    group = make_group("tools", maintainers=("alice",))
    response = operator_client.post(
        reverse("admin:packages_groupacl_add"), {"group": group.pk, "username": "alice"}
    )
    assert response.status_code == 200
    assert "alice already maintains tools" in text(response)
    assert GroupACL.objects.count() == 1


def test_removing_a_maintainer_is_audited_but_the_last_one_stays(
    operator_client, staff_user, packages
):
    group = make_group("tools", maintainers=("alice", "bob"))
    alice, bob = GroupACL.objects.order_by("user__username")
    response = operator_client.post(
        reverse("admin:packages_groupacl_delete", args=[bob.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert admin_messages(staff_user) == ["Group tools modified: maintainer bob removed"]
    response = operator_client.post(
        reverse("admin:packages_groupacl_delete", args=[alice.pk]), {"post": "yes"}, follow=True
    )
    assert "must keep at least one maintainer" in text(response)
    assert list(group.maintainers.values_list("username", flat=True)) == ["alice"]


def test_bulk_removing_every_maintainer_of_a_group_changes_nothing(operator_client, packages):
    make_group("tools", maintainers=("alice", "bob"))
    response = operator_client.post(
        reverse("admin:packages_groupacl_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(GroupACL.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
        follow=True,
    )
    assert "must keep at least one maintainer" in text(response)
    assert GroupACL.objects.count() == 2
    assert not LogEntry.objects.exists()


def test_group_autocomplete_answers_operators(operator_client, packages):
    make_group("tools")
    response = operator_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "too",
            "app_label": "packages",
            "model_name": "groupacl",
            "field_name": "group",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["tools"]


INLINE = "collectiongrouprelation_set"


def membership(*collections, initial: int = 0) -> dict[str, object]:
    data: dict[str, object] = {
        f"{INLINE}-TOTAL_FORMS": len(collections),
        f"{INLINE}-INITIAL_FORMS": initial,
        f"{INLINE}-MIN_NUM_FORMS": 0,
        f"{INLINE}-MAX_NUM_FORMS": 1000,
    }
    for i, collection in enumerate(collections):
        data[f"{INLINE}-{i}-collection"] = collection.pk
    return data


def test_creating_a_collection_group_with_members_goes_through_the_service(
    operator_client, staff_user, collection
):
    other = make_collection("f41")
    response = operator_client.post(
        reverse("admin:packages_collectiongroup_add"),
        {"name": "fedora", "display_name": "Fedora", **membership(collection, other)},
    )
    assert response.status_code == 302
    group = CollectionGroup.objects.get()
    assert sorted(group.collections.values_list("name", flat=True)) == ["f41", "f42"]
    assert admin_messages(staff_user) == ["Collection group fedora created"]


def test_editing_collection_group_membership_replaces_it(operator_client, staff_user, collection):
    other = make_collection("f41")
    group = CollectionGroup.objects.create(name="fedora", display_name="Fedora")
    relation = CollectionGroupRelation.objects.create(group=group, collection=collection)
    data = {"display_name": "Fedora Linux", **membership(collection, other, initial=1)}
    data[f"{INLINE}-0-id"] = relation.pk
    data[f"{INLINE}-0-group"] = group.pk
    data[f"{INLINE}-0-DELETE"] = "on"
    data[f"{INLINE}-1-group"] = group.pk
    response = operator_client.post(
        reverse("admin:packages_collectiongroup_change", args=[group.pk]), data
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.display_name == "Fedora Linux"
    assert list(group.collections.values_list("name", flat=True)) == ["f41"]
    assert admin_messages(staff_user) == ["Collection group fedora modified"]


def test_deleting_a_collection_group_keeps_its_collections(operator_client, staff_user, collection):
    group = CollectionGroup.objects.create(name="fedora", display_name="Fedora")
    CollectionGroupRelation.objects.create(group=group, collection=collection)
    response = operator_client.post(
        reverse("admin:packages_collectiongroup_delete", args=[group.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CollectionGroup.objects.exists()
    collection.refresh_from_db()
    assert admin_messages(staff_user) == ["Collection group fedora deleted"]


def test_setting_the_notice_is_audited(operator_client, staff_user):
    response = operator_client.post(
        reverse("admin:packages_adminnotice_add"), {"content": "  Koji is down  "}
    )
    assert response.status_code == 302
    assert AdminNotice.objects.get().content == "Koji is down"
    assert AdminNotice.objects.get().key == AdminNotice.GLOBAL
    assert admin_messages(staff_user) == ["Admin notice added: Koji is down"]


def test_an_existing_notice_is_edited_not_added_again(operator_client, staff_user):
    AdminNotice.objects.create(key=AdminNotice.GLOBAL, content="old")
    assert operator_client.get(reverse("admin:packages_adminnotice_add")).status_code == 403
    response = operator_client.post(
        reverse("admin:packages_adminnotice_change", args=[AdminNotice.GLOBAL]),
        {"content": "new"},
    )
    assert response.status_code == 302
    assert AdminNotice.objects.get().content == "new"
    assert admin_messages(staff_user) == ["Admin notice added: new"]


def test_a_blank_notice_is_refused(operator_client):
    response = operator_client.post(reverse("admin:packages_adminnotice_add"), {"content": " "})
    assert response.status_code == 200
    assert not AdminNotice.objects.exists()
    assert not LogEntry.objects.exists()


def test_clearing_the_notice_is_audited(operator_client, staff_user):
    AdminNotice.objects.create(key=AdminNotice.GLOBAL, content="old")
    response = operator_client.post(
        reverse("admin:packages_adminnotice_delete", args=[AdminNotice.GLOBAL]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AdminNotice.objects.exists()
    assert admin_messages(staff_user) == ["Admin notice cleared"]
