"""add-group, create-group, edit-group and delete-group on real PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from packages.models import BasePackage, PackageGroup
from tests.factories import make_group
from tests.integration.admin_commands import Terminal, audit, run, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def bases(db):
    return {n: BasePackage.objects.create(name=n) for n in ("foo", "bar", "baz", "qux")}


def members(full_name):
    namespace, _, name = full_name.rpartition("/")
    group = PackageGroup.objects.get(namespace=namespace or None, name=name)
    return sorted(group.members.values_list("name", flat=True))


def maintainers(full_name):
    namespace, _, name = full_name.rpartition("/")
    group = PackageGroup.objects.get(namespace=namespace or None, name=name)
    return sorted(group.maintainers.values_list("username", flat=True))


# create-group


def test_create_group_creates_an_empty_global_group(bases, sudo_user):
    out = run("create-group", "tools")
    group = PackageGroup.objects.get()
    assert (group.namespace, group.name) == (None, "tools")
    assert out == "Group tools created with 0 packages\n"
    assert audit() == [("Group tools created", sudo_user, "admin")]


def test_create_group_fills_a_namespaced_group_from_a_file(bases, sudo_user, tmp_path):
    listing = tmp_path / "pkgs.txt"
    listing.write_text("foo\n  bar\tbaz\n\n")
    out = run("create-group", "alice/tools", "--content-from-file", str(listing))
    assert members("alice/tools") == ["bar", "baz", "foo"]
    assert out == "Group alice/tools created with 3 packages\n"
    assert audit()[0] == ("Group alice/tools created", sudo_user, "admin")
    assert sorted(m for m, _, _ in audit()[1:]) == [
        "Group tools modified: package bar added",
        "Group tools modified: package baz added",
        "Group tools modified: package foo added",
    ]


def test_create_group_reads_the_content_from_stdin_with_a_dash(bases, sudo_user):
    run("create-group", "tools", "--content-from-file", "-", stdin="qux foo")
    assert members("tools") == ["foo", "qux"]


def test_create_group_with_empty_content_fails_and_creates_nothing(bases, sudo_user, tmp_path):
    listing = tmp_path / "empty.txt"
    listing.write_text("  \n")
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Group content empty$"):
        run("create-group", "tools", "--content-from-file", str(listing))
    assert snapshot() == before


def test_create_group_with_unknown_packages_creates_nothing(bases, sudo_user):
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Packages don't exist: nope$"):
        run("create-group", "tools", "--content-from-file", "-", stdin="foo nope")
    assert snapshot() == before


def test_create_group_refuses_an_existing_group(bases, sudo_user):
    make_group("alice/tools")
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Group already exists$"):
        run("create-group", "alice/tools")
    assert snapshot() == before


def test_create_group_refuses_an_invalid_name(bases, sudo_user):
    with pytest.raises(CommandError, match=r"^Invalid group name: 'a b'$"):
        run("create-group", "a b")
    assert not PackageGroup.objects.exists()


def test_create_group_reports_an_unreadable_file(bases, sudo_user, tmp_path):
    with pytest.raises(CommandError, match=r"^Cannot read .*missing.txt: No such file"):
        run("create-group", "tools", "--content-from-file", str(tmp_path / "missing.txt"))
    assert not PackageGroup.objects.exists()


def test_create_group_from_a_file_draws_a_progress_bar_on_a_terminal(bases, sudo_user):
    terminal = Terminal()
    run("create-group", "tools", "--content-from-file", "-", stdin="foo bar", stderr=terminal)
    assert "create-group" in terminal.getvalue()


# add-group


def test_add_group_creates_a_group_with_packages_and_maintainers(bases, sudo_user):
    out = run("add-group", "tools", "foo", "bar", "-m", "alice", "bob")
    assert members("tools") == ["bar", "foo"]
    assert maintainers("tools") == ["alice", "bob"]
    assert out == "Group tools created with 2 packages and 2 maintainers\n"
    messages = [m for m, _, _ in audit()]
    assert messages[0] == "Group tools created"
    assert "Group tools modified: maintainer alice added" in messages
    assert "Group tools modified: package foo added" in messages
    assert {user for _, user, _ in audit()} == {sudo_user}


def test_add_group_without_packages_creates_an_empty_group(bases, sudo_user):
    out = run("add-group", "ns/empty")
    assert members("ns/empty") == []
    assert out == "Group ns/empty created with 0 packages and 0 maintainers\n"


def test_add_group_with_an_unknown_package_creates_nothing_not_even_users(bases, sudo_user):
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Packages don't exist: nope$"):
        run("add-group", "tools", "foo", "nope", "-m", "alice")
    assert snapshot() == before
    assert not get_user_model().objects.filter(username__in=["alice", sudo_user]).exists()


# edit-group


def test_edit_group_replaces_the_content_and_audits_each_change(bases, sudo_user):
    make_group("tools", members=("foo", "bar"))
    out = run("edit-group", "tools", "--content-from-file", "-", stdin="bar baz")
    assert members("tools") == ["bar", "baz"]
    assert out == "Group tools now has 2 packages\n"
    assert sorted(audit()) == [
        ("Group tools modified: package baz added", sudo_user, "admin"),
        ("Group tools modified: package foo removed", sudo_user, "admin"),
    ]


def test_edit_group_appends_with_append(bases, sudo_user):
    make_group("tools", members=("foo",))
    run("edit-group", "tools", "--content-from-file", "-", "--append", stdin="bar")
    assert members("tools") == ["bar", "foo"]


def test_edit_group_renames_and_moves_between_namespaces(bases, sudo_user):
    make_group("alice/tools", members=("foo",))
    out = run("edit-group", "alice/tools", "--new-name", "kit", "--new-namespace", "bob")
    assert members("bob/kit") == ["foo"]
    assert out == "Group bob/kit now has 1 packages\n"
    assert audit() == [("Group alice/tools modified: renamed to bob/kit", sudo_user, "admin")]


def test_edit_group_makes_a_group_global(bases, sudo_user):
    make_group("alice/tools")
    run("edit-group", "alice/tools", "--make-global")
    assert PackageGroup.objects.get().namespace is None


def test_edit_group_of_an_unknown_group_fails(bases, sudo_user):
    with pytest.raises(CommandError, match=r"^Group not found: nope$"):
        run("edit-group", "nope", "--new-name", "x")


def test_edit_group_refuses_a_name_that_is_taken(bases, sudo_user):
    make_group("tools")
    make_group("kit")
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Group already exists$"):
        run("edit-group", "tools", "--new-name", "kit")
    assert snapshot() == before


def test_edit_group_with_unknown_packages_changes_neither_name_nor_content(bases, sudo_user):
    make_group("tools", members=("foo",))
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Packages don't exist: nope$"):
        run("edit-group", "tools", "--new-name", "kit", "--content-from-file", "-", stdin="nope")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((), "^Nothing to change"),
        (("--append",), "^--append needs --content-from-file$"),
        (
            ("--make-global", "--new-namespace", "x"),
            "^--make-global and --new-namespace exclude each other$",
        ),
    ],
)
def test_edit_group_rejects_meaningless_option_sets(bases, sudo_user, args, reason):
    make_group("alice/tools")
    before = snapshot()
    with pytest.raises(CommandError, match=reason):
        run("edit-group", "alice/tools", *args)
    assert snapshot() == before


# delete-group


def test_delete_group_removes_the_group_but_not_its_packages(bases, sudo_user):
    make_group("alice/tools", members=("foo",), maintainers=("alice",))
    out = run("delete-group", "alice/tools")
    assert not PackageGroup.objects.exists()
    assert BasePackage.objects.filter(name="foo").exists()
    assert out == "Group alice/tools deleted\n"
    assert audit() == [("Group alice/tools deleted", sudo_user, "admin")]


def test_delete_group_of_an_unknown_group_fails(bases, sudo_user):
    with pytest.raises(CommandError, match=r"^Group not found: alice/nope$"):
        run("delete-group", "alice/nope")
