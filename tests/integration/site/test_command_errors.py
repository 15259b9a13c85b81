"""Operator commands end every expected error in one line, roll back, and exit 1.

Expected: bad input, an outside system failing, the database refusing a value or losing
a race.  A bug keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.core.management.base import CommandParser
from django.db import connection

from koschei_site.commands import KoscheiCommand
from packages.models import Collection
from tests.integration.site.test_commands import manage

pytestmark = pytest.mark.django_db

WRITTEN = "written-before-the-error"


def out_of_range() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2147483648::int4")


def too_long() -> None:
    get_user_model().objects.create(username="x" * 200)


def duplicate() -> None:
    get_user_model().objects.create(username=WRITTEN)


def gone() -> None:
    Collection.objects.get(name="deleted-meanwhile")


def bug() -> None:
    raise KeyError("a bug")


FAILURES: dict[str, Callable[[], None]] = {
    "out_of_range": out_of_range,
    "too_long": too_long,
    "duplicate": duplicate,
    "gone": gone,
    "bug": bug,
}


class Failing(KoscheiCommand):
    """Writes a row, then fails the way its argument names."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("failure", choices=FAILURES)

    def handle(self, *args: object, **options: str) -> None:
        get_user_model().objects.create(username=WRITTEN)
        FAILURES[options["failure"]]()


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ("out_of_range", "Database value rejected: integer out of range"),
        ("too_long", "Database value rejected: value too long for type character varying(150)"),
        ("duplicate", "Database conflict: duplicate key value violates unique constraint"),
        ("gone", "Not found (deleted while the command ran?): Collection matching query"),
    ],
)
def test_database_refusals_and_races_are_one_line_errors_and_roll_back(failure, message):
    with pytest.raises(CommandError) as caught:
        call_command(Failing(), failure)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    assert not get_user_model().objects.filter(username=WRITTEN).exists()


def test_a_bug_keeps_its_traceback():
    with pytest.raises(KeyError):
        call_command(Failing(), "bug")
    assert not get_user_model().objects.filter(username=WRITTEN).exists()


def test_a_command_against_a_failing_koji_prints_one_line_and_exits_1_within_seconds(
    kojisim_fresh, monkeypatch
):
    """With the default configuration (upstream's 1000 tries, 20 s apart, for workers),
    a command gives up after command_session_opts' few tries, each one logged."""
    kojisim_fresh.sim("addFault", {"kind": "http500", "method": "getBuildTarget", "count": -1})
    monkeypatch.setenv("KOSCHEI_KOJI_HUB", kojisim_fresh.url)
    result = manage("create-collection", "f43", "-d", "Fedora 43", "-t", "f42")
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert lines[-1].startswith(
        "CommandError: Koji get_build_target failed: HTTPError: 500 Server Error"
    )
    assert "Traceback" not in result.stderr
    tries = [line for line in lines if "Try #" in line]
    assert len(tries) == 3 and all("(getBuildTarget) failed: 500" in t for t in tries), tries
