"""One-line messages of the base layer's errors and of Koji's."""

from __future__ import annotations

import pickle

import koji as koji_lib
import pytest

from builds.koji import FaultKind, KojiError, KojiUnavailable, koji_error
from koschei_site.errors import one_line


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("plain", "plain"),
        ("first\n  second\n\n", "first second"),
        ("Traceback (most recent call last):\n  File 'hub.py'\nKeyError: 'x'\n", "KeyError: 'x'"),
        ("", ""),
    ],
)
def test_one_line_keeps_a_message_on_one_line(text, line):
    assert one_line(text) == line


def test_a_koji_error_is_one_line_naming_the_call_and_survives_pickling():
    error = koji_error("getTag('f42')", koji_lib.LockError("locked\nby someone"))
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes)
    assert type(copy) is KojiUnavailable and copy.kind is FaultKind.INFRASTRUCTURE
    assert str(copy) == "Koji getTag('f42') failed: LockError: locked by someone"
    assert type(koji_error("getTag", koji_lib.ParameterError("bad"))) is KojiError
