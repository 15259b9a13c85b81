"""``snooze``: packages of a collection and groups until a date, cleared, audited; bad
input refused in one line with nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management.base import CommandError

from packages.models import Package, PackageGroup
from packages.services import clear_expired_snoozes
from tests.factories import make_collection, make_group, make_package, reload
from tests.integration.admin_commands import audit, run, snapshot

pytestmark = pytest.mark.django_db

NEXT_YEAR = datetime.now(UTC).year + 1
UNTIL = datetime(NEXT_YEAR, 3, 1, tzinfo=UTC)


@pytest.fixture
def packages(collection):
    return {name: make_package(name, collection, tracked=True) for name in ("foo", "bar")}


def test_snooze_sets_packages_until_a_date_and_audits(collection, packages, sudo_user):
    out = run("snooze", "foo", "bar", "-c", "f42", "--until", f"{NEXT_YEAR}-03-01")
    assert out == f"Snoozed until {NEXT_YEAR}-03-01 00:00 UTC: 2 of 2 packages in f42\n"
    assert {p.snoozed_until for p in Package.objects.all()} == {UNTIL}
    assert sorted(audit()) == [
        (
            f"Package {name} (collection f42): snoozed_until set from None to "
            f"{NEXT_YEAR}-03-01 00:00 UTC",
            sudo_user,
            "admin",
        )
        for name in ("bar", "foo")
    ]
    foo = reload(packages["foo"])
    assert foo.state_string == "unknown"  # upstream's vocabulary, unchanged
    assert foo.state_display == f"unknown, snoozed until {NEXT_YEAR}-03-01 00:00 UTC"


def test_snooze_takes_a_time_and_an_offset(collection, packages, sudo_user):
    run("snooze", "foo", "-c", "f42", "--until", f"{NEXT_YEAR}-03-01T12:30+02:00")
    assert reload(packages["foo"]).snoozed_until == UNTIL + timedelta(hours=10, minutes=30)


def test_snooze_again_with_the_same_date_changes_nothing(collection, packages, sudo_user):
    run("snooze", "foo", "-c", "f42", "--until", f"{NEXT_YEAR}-03-01")
    out = run("snooze", "foo", "bar", "-c", "f42", "--until", f"{NEXT_YEAR}-03-01")
    assert out.endswith("1 of 2 packages in f42\n") and len(audit()) == 2


def test_snooze_clear_wakes_packages_and_audits(collection, packages, sudo_user):
    run("snooze", "foo", "-c", "f42", "--until", f"{NEXT_YEAR}-03-01")
    out = run("snooze", "foo", "bar", "-c", "f42", "--clear")
    assert out == "Snooze cleared on 1 of 2 packages in f42\n"
    assert reload(packages["foo"]).snoozed_until is None
    assert audit()[-1] == (
        f"Package foo (collection f42): snoozed_until set from {NEXT_YEAR}-03-01 00:00 UTC to None",
        sudo_user,
        "admin",
    )
    assert reload(packages["foo"]).state_display == "unknown"


def test_snooze_a_group_holds_its_members_in_every_collection(collection, packages, sudo_user):
    other = make_package("foo", make_collection("f41"), tracked=True)
    group = make_group("alice/tools", members=("foo",))
    out = run("snooze", "alice/tools", "--group", "--until", f"{NEXT_YEAR}-03-01")
    assert out == f"Snoozed until {NEXT_YEAR}-03-01 00:00 UTC: 1 of 1 groups\n"
    assert reload(group).snoozed_until == UNTIL
    assert audit() == [
        (
            f"Group alice/tools modified: snoozed until {NEXT_YEAR}-03-01 00:00 UTC",
            sudo_user,
            "admin",
        )
    ]
    snoozed = f"unknown, snoozed until {NEXT_YEAR}-03-01 00:00 UTC"
    assert reload(packages["foo"]).state_display == reload(other).state_display == snoozed
    assert reload(packages["bar"]).state_display == "unknown"
    annotated = Package.objects.with_group_snooze().get(pk=other.pk)
    assert annotated.group_snoozed_until == UNTIL and annotated.state_display == snoozed
    assert Package.objects.unheld(datetime.now(UTC)).count() == 1  # bar only
    run("snooze", "alice/tools", "--group", "--clear")
    assert reload(group).snoozed_until is None
    assert audit()[-1][0] == "Group alice/tools modified: snooze cleared"
    assert Package.objects.unheld(datetime.now(UTC)).count() == 3


def test_expired_snoozes_hold_nothing_and_are_cleared_with_a_backend_entry(
    collection, packages, sudo_user
):
    group = make_group("tools", members=("bar",))
    past = datetime.now(UTC) - timedelta(minutes=1)
    Package.objects.filter(name="foo").update(snoozed_until=past)
    PackageGroup.objects.filter(pk=group.pk).update(snoozed_until=past)
    Package.objects.filter(name="bar").update(snoozed_until=UNTIL)
    # Expired: held by nothing even before they are cleared.
    assert list(Package.objects.unheld(datetime.now(UTC)).values_list("name", flat=True)) == ["foo"]
    assert reload(packages["foo"]).snooze_ends() is None
    assert clear_expired_snoozes() == 2
    assert reload(packages["foo"]).snoozed_until is None and reload(group).snoozed_until is None
    assert reload(packages["bar"]).snoozed_until == UNTIL  # not expired: kept
    entries = audit()
    assert [(user, env) for _, user, env in entries] == [("", "backend")] * 2
    assert entries[0][0].startswith("Package foo (collection f42): snoozed_until set from ")
    assert entries[1][0] == "Group tools modified: snooze cleared"
    assert clear_expired_snoozes() == 0


PKG = ("foo", "-c", "f42", "--until")
LATER = "2099-01-01"
BAD_INPUT = [
    ((*PKG, "2020-01-01"), r"^Snooze end 2020-01-01 00:00 UTC is not in the future$"),
    ((*PKG, "tomorrow"), r"^Invalid date: 'tomorrow' \(expected YYYY-MM-DD or YYYY-MM-DDTHH:MM\)$"),
    ((*PKG, "2030-02-30"), r"^Invalid date: '2030-02-30'"),
    (("foo", "nope", "-c", "f42", "--until", LATER), r"^Packages not found: nope$"),
    (("foo", "-c", "f99", "--until", LATER), r"^Collection not found: f99$"),
    (("foo", "--until", LATER), r"^Name the packages' collection with -c \(or use --group\)$"),
    (
        ("tools", "--group", "-c", "f42", "--until", LATER),
        r"^--group snoozes a group in every collection: drop -c$",
    ),
    (("nope", "--group", "--until", LATER), r"^Group not found: nope$"),
    (("foo", "-c", "f42"), r"one of the arguments --until --clear is required"),
    ((*PKG, LATER, "--clear"), r"not allowed with argument"),
]


@pytest.mark.parametrize(("args", "error"), BAD_INPUT)
def test_snooze_refuses_bad_input_in_one_line_and_changes_nothing(
    collection, packages, sudo_user, args, error
):
    make_group("tools", members=("foo",))
    before = snapshot()
    with pytest.raises(CommandError, match=error) as caught:
        run("snooze", *args)
    assert "\n" not in str(caught.value)
    assert snapshot() == before
