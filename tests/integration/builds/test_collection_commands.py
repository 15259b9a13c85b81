"""create-, edit-, branch- and fork-collection against kojisim; Koji is read before any
transaction opens (STYLE: read Koji first, then write)."""

from __future__ import annotations

import koji
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from builds.models import Build
from builds.services.package_list import refresh_packages
from builds.services.real_builds import refresh_latest_builds
from packages.models import Collection, LogEntry, Package
from tests.factories import reload
from tests.integration.admin_commands import snapshot
from tests.integration.builds.conftest import sessions

pytestmark = pytest.mark.django_db


def test_create_collection_takes_the_build_tag_from_the_koji_target(koji_hub, sudo_user):
    call_command(
        "create-collection",
        "f42",
        "-d",
        "Fedora 42",
        "-t",
        "f42",
        "--poll-untracked",
        "false",
        "-p",
        "0.5",
    )
    collection = Collection.objects.get(name="f42")
    assert (collection.build_tag, collection.dest_tag) == ("f42-build", "f42-build")
    assert collection.poll_untracked is False and collection.priority_coefficient == 0.5
    assert LogEntry.objects.filter(
        message="Collection f42 created", user__username=sudo_user
    ).exists()


def test_create_collection_with_an_unknown_target_changes_nothing(koji_hub, sudo_user):
    with pytest.raises(CommandError, match=r"^Target not found in Koji$"):
        call_command("create-collection", "f99", "-d", "F99", "-t", "f99")
    assert not Collection.objects.exists()
    assert not LogEntry.objects.exists()


def test_create_collection_twice_is_refused(f42):
    with pytest.raises(CommandError, match="Object already exists"):
        call_command("create-collection", "f42", "-d", "again", "-t", "f42")


def test_create_collection_rejects_a_non_boolean_poll_untracked(koji_hub):
    with pytest.raises(CommandError, match="not a boolean"):
        call_command(
            "create-collection", "f42", "-d", "F", "-t", "f42", "--poll-untracked", "maybe"
        )


def test_edit_collection_renames_and_changes_settings_but_not_unknown_targets(f42):
    call_command("edit-collection", "f42", "--new-name", "rawhide", "-o", "300")
    f42 = reload(f42)
    assert (f42.name, f42.order) == ("rawhide", 300)
    with pytest.raises(CommandError, match="Target not found in Koji"):
        call_command("edit-collection", "rawhide", "-t", "nope")
    assert reload(f42).target == "f42"
    with pytest.raises(CommandError, match="Nothing to change"):
        call_command("edit-collection", "rawhide")


@pytest.fixture
def populated(f42):
    refresh_packages(collection=f42, sessions=sessions())
    refresh_latest_builds(collection=f42, sessions=sessions())
    return f42


def test_branch_collection_moves_the_master_on_and_keeps_a_copy(populated, sudo_user):
    master_id = populated.pk
    call_command(
        "branch-collection",
        "f42",
        "f43",
        "-d",
        "Fedora 42",
        "-t",
        "f42",
        "--bugzilla-version",
        "42",
    )
    master = Collection.objects.get(pk=master_id)
    branched = Collection.objects.get(name="f42")
    assert (master.name, master.order, master.dest_tag) == ("f43", 101, "f42-build")
    assert (branched.display_name, branched.bugzilla_version, branched.order) == (
        "Fedora 42",
        "42",
        100,
    )
    assert branched.dest_tag == "f42" and branched.build_tag == "f42-build"
    assert (
        Package.objects.filter(collection=branched).count()
        == Package.objects.filter(collection=master).count()
    )
    copied = Package.objects.get(collection=branched, name="foo")
    assert copied.last_complete_build.package_id == copied.pk
    assert LogEntry.objects.filter(message="Collection f43 branched from f42").exists()


def test_fork_collection_starts_from_the_last_complete_builds(populated, sudo_user):
    call_command(
        "fork-collection", "f42", "f42-side", "-d", "Side tag", "-t", "f42", "--dest-tag", "f42"
    )
    forked = Collection.objects.get(name="f42-side")
    assert forked.order == populated.order and forked.build_group == populated.build_group
    foo = Package.objects.get(collection=forked, name="foo")
    assert Build.objects.filter(package=foo).count() == 1
    assert LogEntry.objects.filter(message="Collection f42-side forked from f42").exists()


def test_branch_and_fork_refuse_bad_input_and_change_nothing(populated):
    with pytest.raises(CommandError, match="Collection not found: nope"):
        call_command("fork-collection", "nope", "x", "-d", "X", "-t", "f42")
    with pytest.raises(CommandError, match="Object already exists"):
        call_command("branch-collection", "f42", "f42", "-d", "X", "-t", "f42")
    with pytest.raises(CommandError, match="Target not found in Koji"):
        call_command("branch-collection", "f42", "f43", "-d", "X", "-t", "nope")
    assert list(Collection.objects.values_list("name", flat=True)) == ["f42"]


# Koji outside transactions

COMMANDS = (
    ("create-collection", "f42", "-d", "Fedora 42", "-t", "f42", "--dest-tag", "f42"),
    ("edit-collection", "f42", "-t", "f42", "--mode", "secondary", "-o", "120"),
    ("refresh-packages", "f42"),
    ("refresh-builds", "f42"),
    ("branch-collection", "f42", "f43", "-d", "Fedora 42", "-t", "f42"),
    ("fork-collection", "f43", "f43-side", "-d", "Side tag", "-t", "f42"),
)


@pytest.fixture
def koji_calls(monkeypatch):
    """Every XML-RPC request the koji client sends, with whether a transaction was open."""
    calls: list[tuple[str, bool]] = []
    send = koji.ClientSession._prepCall

    def recording(self, name, *args, **kwargs):
        calls.append((name, connection.in_atomic_block))
        return send(self, name, *args, **kwargs)

    monkeypatch.setattr(koji.ClientSession, "_prepCall", recording)
    return calls


@pytest.mark.django_db(transaction=True)
def test_the_koji_commands_read_koji_before_they_open_a_transaction(
    koji_hub, sudo_user, koji_calls
):
    inside: dict[str, list[str]] = {}
    for command in COMMANDS:
        koji_calls.clear()
        call_command(*command, stdout=None)
        assert koji_calls, f"{command[0]} asked Koji nothing"
        inside[command[0]] = [name for name, atomic in koji_calls if atomic]
    assert inside == {command[0]: [] for command in COMMANDS}
    assert set(Collection.objects.values_list("name", flat=True)) == {"f42", "f43", "f43-side"}


@pytest.mark.django_db(transaction=True)
def test_the_recorder_sees_a_call_made_inside_a_transaction(koji_hub, koji_calls):
    session = koji.ClientSession(koji_hub.url)
    with transaction.atomic():
        session.getAPIVersion()
    assert koji_calls == [("getAPIVersion", True)]


# --dest-tag is checked against Koji like -t


@pytest.mark.parametrize(
    "command",
    [
        ("create-collection", "f43", "-d", "F43", "-t", "f42", "--dest-tag", "nope"),
        ("edit-collection", "f42", "--dest-tag", "nope"),
        ("branch-collection", "f42", "f43", "-d", "F42", "-t", "f42", "--dest-tag", "nope"),
        ("fork-collection", "f42", "f43", "-d", "Side", "-t", "f42", "--dest-tag", "nope"),
    ],
)
def test_an_unknown_dest_tag_is_refused_and_changes_nothing(f42, command):
    before = snapshot()
    with pytest.raises(CommandError, match=r"^Tag not found in Koji: nope$"):
        call_command(*command)
    assert snapshot() == before


def test_a_dest_tag_koji_has_is_taken(f42):
    call_command("edit-collection", "f42", "--dest-tag", "f42-build")
    assert reload(f42).dest_tag == "f42-build"
