"""The Dependency flyweight table in bulk: NEVRAs to ids and back, never a query per row."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from resolution.depsolve import Nevra

_SELECT_IDS = """
    SELECT d.id, d.name, d.epoch, d.version, d.release, d.arch
    FROM dependency d
    JOIN unnest(%s::text[], %s::int[], %s::text[], %s::text[], %s::text[])
        AS w(name, epoch, version, release, arch)
      ON d.name = w.name AND d.epoch = w.epoch AND d.version = w.version
     AND d.release = w.release AND d.arch = w.arch
"""


def dependency_ids(nevras: Iterable[Nevra]) -> dict[Nevra, int]:
    """Get-or-create a Dependency row for each NEVRA: a SELECT, then for the NEVRAs it did
    not find one INSERT ... ON CONFLICT and one SELECT.

    Most of a chunk's NEVRAs have rows already (every earlier chunk and repo made them),
    so the insert, which probes the unique index for every row it is given, gets only
    the new ones.  Epochs are stored as integers (0 for none), so the index matches exactly.
    """
    wanted = sorted(set(nevras))
    found = known_dependency_ids(wanted)
    missing = [n for n in wanted if n not in found]
    if not missing:
        return found
    columns = [list(column) for column in zip(*missing, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO dependency (name, epoch, version, release, arch)
            SELECT * FROM unnest(%s::text[], %s::int[], %s::text[], %s::text[], %s::text[])
            ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT DO NOTHING
            """,
            columns,
        )
        cursor.execute(_SELECT_IDS, columns)
        found.update({Nevra(n, e, v, r, a): i for i, n, e, v, r, a in cursor.fetchall()})
    return found


def dependency_nevras(ids: Iterable[int]) -> dict[int, Nevra]:
    """The NEVRA of each Dependency id (a NULL epoch reads as 0, as in RPM)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name, epoch, version, release, arch FROM dependency "
            "WHERE id = ANY(%s::int[])",
            [wanted],
        )
        return {i: Nevra(n, e or 0, v, r, a) for i, n, e, v, r, a in cursor.fetchall()}


def known_dependency_ids(nevras: Iterable[Nevra]) -> dict[Nevra, int]:
    """The ids of those NEVRAs that already have a Dependency row (nothing is created)."""
    wanted = sorted(set(nevras))
    if not wanted:
        return {}
    columns = [list(column) for column in zip(*wanted, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(_SELECT_IDS, columns)
        return {Nevra(n, e, v, r, a): i for i, n, e, v, r, a in cursor.fetchall()}
