"""add-pkg, set-priority, set-arch-override and track-group on real PostgreSQL."""

from __future__ import annotations

import getpass
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.db import connection

from packages.models import Package
from tests.factories import make_collection, make_group, make_package, reload
from tests.integration.admin_commands import Terminal, audit, run, snapshot

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def packages(collection):
    return {name: make_package(name, collection) for name in ("foo", "bar", "baz")}


def tracked_names(collection):
    return sorted(
        Package.objects.filter(collection=collection, tracked=True).values_list("name", flat=True)
    )


# add-pkg


def test_add_pkg_tracks_the_named_packages_and_audits_as_the_sudo_user(
    collection, packages, sudo_user
):
    out = run("add-pkg", "foo", "bar", "-c", "f42")
    assert tracked_names(collection) == ["bar", "foo"]
    assert out == "Tracked 2 packages in f42 (0 already tracked)\n"
    assert sorted(audit()) == [
        ("Package bar (collection f42): tracked set from False to True", sudo_user, "admin"),
        ("Package foo (collection f42): tracked set from False to True", sudo_user, "admin"),
    ]


def test_add_pkg_counts_packages_that_were_already_tracked(collection, packages, sudo_user):
    Package.objects.filter(name="foo").update(tracked=True)
    out = run("add-pkg", "foo", "bar", "foo", "--collection", "f42")
    assert out == "Tracked 1 packages in f42 (1 already tracked)\n"
    assert [message for message, _, _ in audit()] == [
        "Package bar (collection f42): tracked set from False to True"
    ]


def test_add_pkg_with_an_unknown_collection_fails_and_changes_nothing(packages, sudo_user):
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Collection not found: f99$"):
        run("add-pkg", "foo", "-c", "f99")
    assert snapshot() == before


def test_add_pkg_names_the_missing_packages_and_tracks_none(collection, packages, sudo_user):
    make_package("other", make_collection("f41"))
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Packages don't exist: nope, other$"):
        run("add-pkg", "foo", "nope", "other", "-c", "f42")
    assert snapshot() == before


def test_add_pkg_requires_a_collection(packages):
    with pytest.raises(CommandError, match="-c/--collection"):
        run("add-pkg", "foo")


def test_add_pkg_draws_a_progress_bar_only_on_a_terminal(collection, sudo_user):
    for index in range(30):
        make_package(f"pkg{index}", collection)
    names = [f"pkg{index}" for index in range(30)]
    terminal = Terminal()
    out = run("add-pkg", *names[:15], "-c", "f42", stderr=terminal)
    assert "add-pkg" in terminal.getvalue()
    assert out == "Tracked 15 packages in f42 (0 already tracked)\n"
    plain = io.StringIO()
    run("add-pkg", *names[15:], "-c", "f42", stderr=plain)
    assert plain.getvalue() == ""
    assert len(tracked_names(collection)) == 30


def test_commands_audit_as_the_os_user_without_sudo(collection, packages, monkeypatch):
    monkeypatch.delenv("SUDO_USER", raising=False)
    run("add-pkg", "foo", "-c", "f42")
    assert audit()[0][1] == getpass.getuser()


def test_manage_py_exits_non_zero_with_a_one_line_reason():
    """The real command line, against this test database: status 1 and one stderr line."""
    db = connection.settings_dict
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    url = f"postgresql://{db['USER']}:{db['PASSWORD']}@{host}/{db['NAME']}"
    env = {**os.environ, "KOSCHEI_DEBUG": "1", "KOSCHEI_CONFIG": "", "KOSCHEI_DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "add-pkg", "foo", "-c", "no-such-collection"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: Collection not found: no-such-collection"
    ]


# set-priority


def test_set_priority_sets_the_manual_priority_of_every_named_package(
    collection, packages, sudo_user
):
    out = run("set-priority", "foo", "bar", "300", "--collection", "f42")
    assert reload(packages["foo"]).manual_priority == 300
    assert reload(packages["bar"]).manual_priority == 300
    assert reload(packages["baz"]).manual_priority == 0
    assert out == "Set manual priority 300 on 2 packages in f42\n"
    assert sorted(audit())[0] == (
        "Package bar (collection f42): manual_priority set from 0 to 300",
        sudo_user,
        "admin",
    )


def test_set_priority_static_sets_the_static_priority(collection, packages, sudo_user):
    run("set-priority", "foo", "-50", "--static", "-c", "f42")
    foo = reload(packages["foo"])
    assert (foo.static_priority, foo.manual_priority) == (-50, 0)
    assert audit()[0][0] == "Package foo (collection f42): static_priority set from 0 to -50"


def test_set_priority_only_touches_the_given_collection(collection, packages, sudo_user):
    other = make_package("foo", make_collection("f41"))
    run("set-priority", "foo", "10", "-c", "f42")
    assert reload(other).manual_priority == 0


def test_set_priority_rejects_a_value_that_is_not_an_integer(collection, packages):
    before = snapshot()
    with pytest.raises(CommandError, match=r"invalid int value: '1\.5'"):
        run("set-priority", "foo", "1.5", "-c", "f42")
    assert snapshot() == before


def test_set_priority_with_a_missing_package_changes_no_package(collection, packages, sudo_user):
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Packages not found: nope$"):
        run("set-priority", "foo", "nope", "100", "-c", "f42")
    assert snapshot() == before


def test_set_priority_with_an_unknown_collection_fails(packages, sudo_user):
    with pytest.raises(CommandError, match=r"^Collection not found: f99$"):
        run("set-priority", "foo", "100", "-c", "f99")


# set-arch-override


def test_set_arch_override_targets_the_package_of_the_given_collection(
    collection, packages, sudo_user
):
    other = make_package("foo", make_collection("f41"))
    out = run("set-arch-override", "foo", "x86_64 i386", "-c", "f42")
    assert reload(packages["foo"]).arch_override == "x86_64 i386"
    assert reload(other).arch_override is None
    assert out == "Arch override x86_64 i386 set on 1 of 1 packages\n"
    assert audit() == [
        (
            "Package foo (collection f42): arch_override set from None to x86_64 i386",
            sudo_user,
            "admin",
        )
    ]


def test_set_arch_override_with_an_empty_string_clears_it(collection, sudo_user):
    package = make_package("foo", collection, arch_override="^armhfp")
    out = run("set-arch-override", "foo", "", "-c", "f42")
    assert reload(package).arch_override is None
    assert out == "Arch override (none) set on 1 of 1 packages\n"


def test_set_arch_override_rejects_an_unknown_arch(collection, packages, sudo_user):
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Unrecognized arch in arch_override: sparc$"):
        run("set-arch-override", "foo", "x86_64 sparc", "-c", "f42")
    assert snapshot() == before


def test_set_arch_override_of_an_unknown_package_fails(collection, packages, sudo_user):
    with pytest.raises(CommandError, match=r"^Package not found: nope$"):
        run("set-arch-override", "nope", "x86_64", "-c", "f42")


def test_set_arch_override_requires_a_collection(collection, packages):
    with pytest.raises(CommandError, match="-c/--collection"):
        run("set-arch-override", "foo", "x86_64")


def test_set_arch_override_of_a_group_sets_every_member_package_in_the_collection(
    collection, packages, sudo_user
):
    other = make_package("foo", make_collection("f41"))
    make_group("ns/tools", members=("foo", "bar"))
    out = run("set-arch-override", "ns/tools", "^armhfp", "-c", "f42", "--group")
    assert reload(packages["foo"]).arch_override == "^armhfp"
    assert reload(packages["bar"]).arch_override == "^armhfp"
    assert reload(packages["baz"]).arch_override is None
    assert reload(other).arch_override is None
    assert out == "Arch override ^armhfp set on 2 of 2 packages\n"


def test_set_arch_override_of_an_unknown_group_fails(collection, packages, sudo_user):
    with pytest.raises(CommandError, match=r"^Group not found: nope$"):
        run("set-arch-override", "nope", "x86_64", "-c", "f42", "--group")


def test_set_arch_override_of_a_group_without_packages_there_fails(collection, sudo_user):
    make_package("foo", make_collection("f41"))
    make_group("tools", members=("foo",))
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Group tools has no packages in collection f42$"):
        run("set-arch-override", "tools", "x86_64", "-c", "f42", "--group")
    assert snapshot() == before


# track-group


def test_track_group_tracks_every_member_package_in_all_collections(collection, sudo_user):
    f41 = make_collection("f41")
    for coll in (collection, f41):
        for name in ("foo", "bar", "baz"):
            make_package(name, coll)
    make_group("tools", members=("foo", "bar"))
    out = run("track-group", "tools")
    assert tracked_names(collection) == ["bar", "foo"]
    assert tracked_names(f41) == ["bar", "foo"]
    assert out == "Tracked 4 packages of group tools\n"
    assert len(audit()) == 4
    assert {user for _, user, _ in audit()} == {sudo_user}


def test_track_group_of_an_unknown_group_fails(collection, packages, sudo_user):
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Group not found: ns/nope$"):
        run("track-group", "ns/nope")
    assert snapshot() == before
