"""Retention: deleting old builds and resolution changes (``manage.py cleanup``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from koschei_site.errors import ServiceError
from packages.services import log_entry
from packages.services.audit import AnyUser

MIN_MONTHS = 2
# 1,000 years: older cut-offs fall off PostgreSQL's timestamp range (and mean "nothing").
MAX_MONTHS = 12_000
DEFAULT_MONTHS = 6
CHUNK = 5000

Progress = Callable[[int], None]

# A package's last build and last complete build are kept whatever their age: the package
# state and the scheduler need them (and the FK from last_complete_build_id forbids it).
OLD_BUILDS = """
    SELECT b.id FROM build b
    WHERE b.started < %s
      AND NOT EXISTS (SELECT 1 FROM package p WHERE p.last_build_id = b.id)
      AND NOT EXISTS (SELECT 1 FROM package p WHERE p.last_complete_build_id = b.id)
    ORDER BY b.id
"""
# A package's newest resolution change is kept whatever its age: it carries the problems
# shown for a package that has been unresolvable for a long time.
OLD_RESOLUTION_CHANGES = """
    SELECT rc.id FROM resolution_change rc
    WHERE rc.timestamp < %s
      AND EXISTS (
          SELECT 1 FROM resolution_change newer
          WHERE newer.package_id = rc.package_id
            AND (newer.timestamp, newer.id) > (rc.timestamp, rc.id)
      )
    ORDER BY rc.id
"""


@dataclass(frozen=True)
class CleanupResult:
    """What a cleanup deleted, and the cut-off it used."""

    cutoff: datetime
    builds: int
    resolution_changes: int


def _ids(query: str, cutoff: datetime) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(query, [cutoff])
        return [row[0] for row in cursor.fetchall()]


def _delete(table: str, ids: list[int], progress: Progress | None) -> int:
    """Delete rows by id in chunks; ON DELETE CASCADE in the schema removes dependants."""
    deleted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [chunk])  # noqa: S608
            deleted += cursor.rowcount
            if progress:
                progress(len(chunk))
    return deleted


def cutoff_for(months: int) -> datetime:
    """The moment ``months`` calendar months before now, by PostgreSQL's interval arithmetic."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now() - make_interval(months => %s)", [months])
        return cursor.fetchone()[0]


@transaction.atomic
def delete_old_history(
    *,
    months: int = DEFAULT_MONTHS,
    user: AnyUser,
    environment: str,
    progress: Progress | None = None,
    announce_total: Callable[[int], None] | None = None,
) -> CleanupResult:
    """Delete builds started and resolution changes recorded more than ``months`` ago.

    Keeps every package's last build, last complete build and newest resolution change.
    Koji tasks, applied changes and resolution problems go with their rows (ON DELETE
    CASCADE).  One transaction; audited as "Cleanup: Deleted N builds|resolution changes".
    ``announce_total`` is told how many rows will be deleted, ``progress`` how many are done.
    """
    if isinstance(months, bool) or not isinstance(months, int) or months < MIN_MONTHS:
        raise ServiceError(f"Minimal allowed value is {MIN_MONTHS} months")
    if months > MAX_MONTHS:
        raise ServiceError(f"Maximal allowed value is {MAX_MONTHS} months")
    cutoff = cutoff_for(months)
    build_ids = _ids(OLD_BUILDS, cutoff)
    change_ids = _ids(OLD_RESOLUTION_CHANGES, cutoff)
    if announce_total:
        announce_total(len(build_ids) + len(change_ids))
    builds = _delete("build", build_ids, progress)
    changes = _delete("resolution_change", change_ids, progress)
    log_entry(user=user, environment=environment, message=f"Cleanup: Deleted {builds} builds")
    log_entry(
        user=user,
        environment=environment,
        message=f"Cleanup: Deleted {changes} resolution changes",
    )
    return CleanupResult(cutoff=cutoff, builds=builds, resolution_changes=changes)
