"""Koji is never called inside a database transaction (STYLE: read Koji first, then write)."""

from __future__ import annotations

import koji
import pytest
from django.core.management import call_command
from django.db import connection, transaction

from packages.models import Collection

pytestmark = pytest.mark.django_db(transaction=True)

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


def test_the_recorder_sees_a_call_made_inside_a_transaction(koji_hub, koji_calls):
    session = koji.ClientSession(koji_hub.url)
    with transaction.atomic():
        session.getAPIVersion()
    assert koji_calls == [("getAPIVersion", True)]
