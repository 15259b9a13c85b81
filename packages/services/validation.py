"""Input checks every service makes before writing, so admin, commands and web forms share
them: each failure is a one-line ``ServiceError`` and nothing is written.

Limits are the database's: names and texts fit their ``varchar(255)`` columns, integers
PostgreSQL's ``integer``, numbers are finite (NaN or Infinity would outrank every real
package in the scheduler's order).
"""

from __future__ import annotations

import math
import re
from typing import Any

from koschei_site.errors import ServiceError
from koschei_site.usernames import username_problem

# Machine names (collections, collection groups, package groups, Koji tags and targets,
# comps groups): no spaces, no slash, no markup, nothing a URL or a shell would mangle.
NAME_RE = re.compile(r"[A-Za-z0-9._+-]+")
NAME_CHARACTERS = "letters, digits and . _ + -"
TEXT_MAX = 255
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def check_name(what: str, value: Any) -> str:
    """A machine name: non-empty, at most 255 characters, only ``NAME_CHARACTERS``."""
    if not isinstance(value, str) or not value:
        raise ServiceError(f"{what} must not be empty")
    if len(value) > TEXT_MAX:
        raise ServiceError(f"{what} is longer than {TEXT_MAX} characters")
    if not NAME_RE.fullmatch(value):
        raise ServiceError(f"Invalid {what}: {value!r} (use {NAME_CHARACTERS})")
    return value


def check_text(what: str, value: Any, *, required: bool) -> str | None:
    """A one-line text (display names, Bugzilla fields): at most 255 characters, no control
    characters; None or empty only when not ``required``."""
    if value is None or value == "":
        if required:
            raise ServiceError(f"{what} must not be empty")
        return value
    if not isinstance(value, str):
        raise ServiceError(f"{what} must be text")
    if required and not value.strip():
        raise ServiceError(f"{what} must not be empty")
    if len(value) > TEXT_MAX:
        raise ServiceError(f"{what} is longer than {TEXT_MAX} characters")
    if CONTROL_RE.search(value):
        raise ServiceError(f"{what} must be one line without control characters")
    return value


def check_bool(what: str, value: Any) -> bool:
    """A real boolean (not a truthy string)."""
    if not isinstance(value, bool):
        raise ServiceError(f"{what} must be true or false")
    return value


def check_integer(what: str, value: Any) -> int:
    """An integer that fits PostgreSQL's ``integer`` column."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(f"{what} must be an integer")
    if not INTEGER_MIN <= value <= INTEGER_MAX:
        raise ServiceError(f"{what} must be between {INTEGER_MIN} and {INTEGER_MAX}")
    return value


def check_number(what: str, value: Any) -> float:
    """A finite real number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ServiceError(f"{what} must be a number")
    if not math.isfinite(value):
        raise ServiceError(f"{what} must be a finite number")
    return float(value)


def check_username(value: Any) -> str:
    """A user name Django accepts (letters, digits and @ . + - _, within the column)."""
    problem = username_problem(value) if isinstance(value, str) else "User name must be text"
    if problem:
        raise ServiceError(problem)
    return value
