"""The base layer's exceptions, each carrying a one-line reason for the operator.

They live in the base layer so that every app's services, the command base and the admin
base share them without importing an app.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import DataError, IntegrityError, OperationalError


class ServiceError(Exception):
    """Bad input to a service; nothing was changed."""


class ExternalError(Exception):
    """An outside system (Koji, a repo server) failed or refused a request.

    Nothing wrong was recorded: the work stopped where it was and may simply be run again.
    Apps raise subclasses (``builds.koji.KojiError``); commands print the message as one line.
    """


def one_line(text: str) -> str:
    """A message on one line: a traceback's last line, else the lines joined."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if lines and lines[0].startswith("Traceback"):
        return lines[-1]
    return " ".join(lines)


# Errors an operator is told about in one line; anything else is a bug with a traceback.
EXPECTED_ERRORS = (ServiceError, ExternalError)
DATABASE_ERRORS = (DataError, IntegrityError, OperationalError, ObjectDoesNotExist)


def error_reason(error: BaseException) -> str:
    """One line telling an operator why ``error`` stopped the work (for a bug: its class
    and the first line of its message)."""
    if isinstance(error, EXPECTED_ERRORS):
        return one_line(str(error))
    if isinstance(error, DATABASE_ERRORS):
        return database_reason(error)
    return f"{type(error).__name__}: {one_line(str(error))}"


def database_reason(error: Exception) -> str:
    """One line for a database refusal or race: PostgreSQL's message and its DETAIL."""
    if isinstance(error, ObjectDoesNotExist):
        return f"Not found (deleted while the command ran?): {one_line(str(error))}"
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    detail = [line.removeprefix("DETAIL:").strip() for line in lines if line.startswith("DETAIL:")]
    reason = lines[0] if lines else type(error).__name__
    if isinstance(error, DataError):
        kind = "value rejected"
    elif isinstance(error, OperationalError):
        kind = "unavailable or busy"
    else:
        kind = "conflict"
    return f"Database {kind}: {reason}" + (f" ({detail[0]})" if detail else "")
