"""Helpers for the management-command tests: run a command, snapshot the database."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command
from django.db import connection

from packages.models import LogEntry

# Every table a koschei-admin command may write; a failed command must leave all equal.
TABLES = (
    "auth_user",
    "collection",
    "collection_group",
    "collection_group_relation",
    "base_package",
    "package",
    "package_group",
    "package_group_relation",
    "group_acl",
    "admin_notice",
    "log_entry",
    "build",
    "koji_task",
    "resolution_change",
    "resolution_problem",
    "applied_change",
)


class Terminal(io.StringIO):
    """An in-memory stream that says it is a terminal (progress bars draw on it)."""

    def isatty(self) -> bool:
        return True


def run(*args: str, stdin: str | None = None, stderr: io.StringIO | None = None) -> str:
    """Run a command like ``manage.py`` would; return what it printed on stdout."""
    out = io.StringIO()
    options: dict[str, Any] = {"stdout": out, "stderr": stderr or io.StringIO()}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    call_command(*args, **options)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table commands write, for before/after comparison."""
    rows = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608
            rows[table] = cursor.fetchall()
    return rows


def audit() -> list[tuple[str, str, str]]:
    """(message, user name, environment) of every audit entry, oldest first."""
    return [
        (e.message, e.user.username if e.user else "", e.environment)
        for e in LogEntry.objects.select_related("user").order_by("id")
    ]
