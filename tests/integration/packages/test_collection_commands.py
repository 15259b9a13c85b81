"""Notices, delete-collection and the collection-group commands on real PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from builds.models import Build, KojiTask
from packages.models import AdminNotice, Collection, CollectionGroup, Package
from tests.factories import make_build, make_collection, make_package, make_task
from tests.integration.admin_commands import audit, run, snapshot

pytestmark = pytest.mark.django_db


def group_members(name):
    group = CollectionGroup.objects.get(name=name)
    return sorted(group.collections.values_list("name", flat=True))


# set-notice / clear-notice


def test_set_notice_stores_the_stripped_notice_and_audits_it(sudo_user):
    out = run("set-notice", "  Koji outage tonight \n")
    assert AdminNotice.objects.get(key="global_notice").content == "Koji outage tonight"
    assert out == "Admin notice added: Koji outage tonight\n"
    assert audit() == [("Admin notice added: Koji outage tonight", sudo_user, "admin")]


def test_set_notice_replaces_the_previous_notice(sudo_user):
    run("set-notice", "first")
    run("set-notice", "second")
    assert list(AdminNotice.objects.values_list("content", flat=True)) == ["second"]


def test_set_notice_refuses_an_empty_notice(sudo_user):
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Notice content must not be empty$"):
        run("set-notice", "   ")
    assert snapshot() == before


def test_clear_notice_removes_the_notice_and_audits_it(sudo_user):
    AdminNotice.objects.create(key="global_notice", content="old")
    out = run("clear-notice")
    assert not AdminNotice.objects.exists()
    assert out == "Admin notice cleared\n"
    assert audit() == [("Admin notice cleared", sudo_user, "admin")]


def test_clear_notice_without_a_notice_says_so(sudo_user):
    assert run("clear-notice") == "Admin notice cleared (there was none)\n"


# delete-collection


def test_delete_collection_deletes_an_empty_collection(sudo_user):
    make_collection("f40")
    out = run("delete-collection", "f40")
    assert not Collection.objects.exists()
    assert out == "Collection f40 deleted\n"
    assert audit() == [("Collection f40 deleted", sudo_user, "admin")]


def test_delete_collection_refuses_a_collection_with_packages(collection, sudo_user):
    make_package("foo", collection)
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Collection f42 has packages; use --force"):
        run("delete-collection", "f42")
    assert snapshot() == before


def test_delete_collection_with_force_deletes_packages_builds_and_tasks(collection, sudo_user):
    other = make_package("foo", make_collection("f41"))
    package = make_package("foo", collection)
    make_task(make_build(package, hours_ago=5))
    make_build(other)
    run("delete-collection", "f42", "--force")
    assert list(Collection.objects.values_list("name", flat=True)) == ["f41"]
    assert list(Package.objects.all()) == [other]
    assert Build.objects.get().package_id == other.id
    assert not KojiTask.objects.exists()


def test_delete_collection_of_an_unknown_collection_fails(sudo_user):
    with pytest.raises(CommandError, match=r"^Collection not found: f99$"):
        run("delete-collection", "-f", "f99")


# create-collection-group / edit-collection-group / delete-collection-group


@pytest.fixture
def collections(db):
    return [make_collection(name) for name in ("f41", "f42", "f43")]


def test_create_collection_group_creates_it_with_its_collections(collections, sudo_user):
    out = run("create-collection-group", "fedora", "-d", "Fedora", "-c", "f42", "f41")
    assert CollectionGroup.objects.get().display_name == "Fedora"
    assert group_members("fedora") == ["f41", "f42"]
    assert out == "Collection group fedora created with collections: f41, f42\n"
    assert audit() == [("Collection group fedora created", sudo_user, "admin")]


def test_create_collection_group_with_an_unknown_collection_creates_nothing(collections, sudo_user):
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Some collections weren't found: f99$"):
        run("create-collection-group", "fedora", "-d", "Fedora", "-c", "f42", "f99")
    assert snapshot() == before


def test_create_collection_group_refuses_an_existing_name(collections, sudo_user):
    run("create-collection-group", "fedora", "-d", "Fedora")
    with pytest.raises(CommandError, match=r"^Collection group already exists: fedora$"):
        run("create-collection-group", "fedora", "-d", "Other")


def test_create_collection_group_requires_a_display_name(collections):
    with pytest.raises(CommandError, match="-d/--display-name"):
        run("create-collection-group", "fedora")


def test_edit_collection_group_replaces_display_name_and_collections(collections, sudo_user):
    run("create-collection-group", "fedora", "-d", "Fedora", "-c", "f41")
    out = run("edit-collection-group", "fedora", "-d", "Fedora Linux", "-c", "f42", "f43")
    assert CollectionGroup.objects.get().display_name == "Fedora Linux"
    assert group_members("fedora") == ["f42", "f43"]
    assert out == "Collection group fedora (Fedora Linux): f42, f43\n"
    assert audit()[-1] == ("Collection group fedora modified", sudo_user, "admin")


def test_edit_collection_group_with_an_empty_collection_list_empties_it(collections, sudo_user):
    run("create-collection-group", "fedora", "-d", "Fedora", "-c", "f41")
    run("edit-collection-group", "fedora", "-c")
    assert group_members("fedora") == []


def test_edit_collection_group_with_an_unknown_collection_changes_nothing(collections, sudo_user):
    run("create-collection-group", "fedora", "-d", "Fedora", "-c", "f41")
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Some collections weren't found: f99$"):
        run("edit-collection-group", "fedora", "-d", "New", "-c", "f99")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("nope", "-d", "X"), r"^Collection group not found: nope$"),
        (("fedora",), r"^Nothing to change"),
        (("fedora", "-d", " "), r"^Collection group display name must not be empty$"),
    ],
)
def test_edit_collection_group_rejects_bad_input(collections, sudo_user, args, reason):
    run("create-collection-group", "fedora", "-d", "Fedora")
    before = snapshot()
    with pytest.raises(CommandError, match=reason):
        run("edit-collection-group", *args)
    assert snapshot() == before


def test_delete_collection_group_keeps_its_collections(collections, sudo_user):
    run("create-collection-group", "fedora", "-d", "Fedora", "-c", "f41", "f42")
    out = run("delete-collection-group", "fedora")
    assert not CollectionGroup.objects.exists()
    assert Collection.objects.count() == 3
    assert out == "Collection group fedora deleted\n"
    assert audit()[-1] == ("Collection group fedora deleted", sudo_user, "admin")


def test_delete_collection_group_of_an_unknown_group_fails(collections, sudo_user):
    with pytest.raises(CommandError, match=r"^Collection group not found: nope$"):
        run("delete-collection-group", "nope")
