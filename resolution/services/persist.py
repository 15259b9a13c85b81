"""Persisting a chunk's resolution outcomes in one transaction (spec 3.4, 8.8 fixed).

Rules: the chunk's packages are locked ``ORDER BY id FOR UPDATE``; a package whose last
build changed since it was read (or that now skips resolution) is skipped and keeps its
UnappliedChanges; a ResolutionChange (with its problems) is written only when
``resolved`` changed, or when both are False and the problem set differs, and always for
a first resolution; UnappliedChanges and stored install sets are replaced for the
packages processed.  Problems are stored and compared in their canonical order
(``canonical_problems``: the same outcome is worded the same however the sack was
loaded), rows written in that order.  Every write is a bulk statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from packages.signals import send_package_states_after_commit
from packages.states import msg_state, package_state
from resolution.depsolve import Nevra, canonical_problems
from resolution.models import (
    PackageResolution,
    ResolutionProblem,
    UnappliedChange,
)
from resolution.services.dependencies import dependency_ids
from resolution.services.outcomes import PackageOutcome


@dataclass(frozen=True)
class PersistFigures:
    """What a chunk wrote."""

    processed: int
    skipped: int
    changed: int
    problems: int
    reused: int

    def __add__(self, other: PersistFigures) -> PersistFigures:
        return PersistFigures(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


LOCK_PACKAGES = """
    SELECT id, last_build_id, skip_resolution, tracked, blocked, resolved,
           last_complete_build_state
    FROM package WHERE id = ANY(%s::int[]) ORDER BY id FOR UPDATE
"""
LAST_CHANGES = """
    SELECT DISTINCT ON (package_id) id, package_id, resolved
    FROM resolution_change WHERE package_id = ANY(%s::int[])
    ORDER BY package_id, timestamp DESC, id DESC
"""
UPDATE_PACKAGES = """
    UPDATE package p SET resolved = v.resolved, dependency_priority = v.priority
    FROM unnest(%s::int[], %s::bool[], %s::int[]) AS v(id, resolved, priority)
    WHERE p.id = v.id
      AND (p.resolved IS DISTINCT FROM v.resolved OR p.dependency_priority <> v.priority)
"""


def _state(row: dict[str, Any], resolved: bool | None) -> str:
    return msg_state(
        package_state(
            blocked=row["blocked"],
            tracked=row["tracked"],
            resolved=resolved,
            last_complete_build_state=row["last_complete_build_state"],
        )
    )


def _lock(package_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(LOCK_PACKAGES, [sorted(package_ids)])
        names = [c.name for c in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _last_changes(package_ids: Sequence[int]) -> dict[int, tuple[bool, list[str]]]:
    """Each package's newest ResolutionChange: (resolved, canonical problems)."""
    with connection.cursor() as cursor:
        cursor.execute(LAST_CHANGES, [list(package_ids)])
        rows = cursor.fetchall()
    problems: dict[int, list[str]] = {rc_id: [] for rc_id, _, _ in rows}
    for rc_id, text in ResolutionProblem.objects.filter(
        resolution_id__in=list(problems)
    ).values_list("resolution_id", "problem"):
        problems[rc_id].append(text)
    # rows written before problems were canonical compare by their canonical form too
    return {pid: (resolved, canonical_problems(problems[rc_id])) for rc_id, pid, resolved in rows}


def _needs_change_row(
    previous: tuple[bool, list[str]] | None, resolved: bool, problems: Sequence[str]
) -> bool:
    """``problems`` is canonical."""
    if previous is None:
        return True
    was_resolved, old_problems = previous
    if was_resolved != resolved:
        return True
    return not resolved and old_problems != list(problems)


def persist_outcomes(*, repo_id: int, outcomes: Sequence[PackageOutcome]) -> PersistFigures:
    """Write the outcomes; the caller holds the transaction.  Returns what was written."""
    locked = _lock([o.package_id for o in outcomes])
    current = [
        o
        for o in outcomes
        if o.package_id in locked
        and locked[o.package_id]["last_build_id"] == o.last_build_id
        and not locked[o.package_id]["skip_resolution"]
    ]
    ids = [o.package_id for o in current]
    last = _last_changes(ids)
    problems = {o.package_id: canonical_problems(o.resolution.problems) for o in current}
    new_changes = [
        o
        for o in current
        if _needs_change_row(last.get(o.package_id), o.resolution.resolved, problems[o.package_id])
    ]
    with connection.cursor() as cursor:
        _insert_changes(cursor, new_changes, problems)
        cursor.execute(
            UPDATE_PACKAGES,
            [ids, [o.resolution.resolved for o in current], [o.priority for o in current]],
        )
    _replace_dependency_rows(repo_id, current)
    # the state can only differ where ``resolved`` does; the rest are not sent anyway
    send_package_states_after_commit(
        [
            (
                o.package_id,
                _state(locked[o.package_id], locked[o.package_id]["resolved"]),
                _state(locked[o.package_id], o.resolution.resolved),
            )
            for o in current
            if locked[o.package_id]["resolved"] != o.resolution.resolved
        ]
    )
    return PersistFigures(
        processed=len(current),
        skipped=len(outcomes) - len(current),
        changed=len(new_changes),
        problems=sum(not o.resolution.resolved for o in current),
        reused=sum(o.reused for o in current),
    )


INSERT_CHANGES = """
    INSERT INTO resolution_change (package_id, resolved)
    SELECT package_id, resolved
    FROM unnest(%s::bigint[], %s::bool[]) WITH ORDINALITY AS v(package_id, resolved, n)
    ORDER BY n
    RETURNING package_id, id
"""
INSERT_PROBLEMS = """
    INSERT INTO resolution_problem (resolution_id, problem)
    SELECT resolution_id, problem
    FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS v(resolution_id, problem, n)
    ORDER BY n
"""


def _insert_changes(
    cursor: CursorWrapper, outcomes: Sequence[PackageOutcome], problems: dict[int, list[str]]
) -> None:
    """One ResolutionChange per outcome (one per package) and its problems, rows in
    order, in two statements."""
    if not outcomes:
        return
    cursor.execute(
        INSERT_CHANGES,
        [[o.package_id for o in outcomes], [o.resolution.resolved for o in outcomes]],
    )
    change_ids = dict(cursor.fetchall())
    pairs = [(change_ids[o.package_id], text) for o in outcomes for text in problems[o.package_id]]
    if pairs:
        cursor.execute(INSERT_PROBLEMS, [list(column) for column in zip(*pairs, strict=True)])


INSERT_UNAPPLIED = """
    INSERT INTO unapplied_change (package_id, prev_dep_id, curr_dep_id, distance)
    SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::int[])
"""
# install sets are ragged, so each travels as an array literal ("{3,17,42}") and is cast
INSERT_RESOLUTIONS = """
    INSERT INTO package_resolution
        (package_id, repo_id, install_set, inputs_digest, last_build_id, baseline_build_id)
    SELECT v.package_id, %s, v.install_set::int[], v.digest, v.last_build_id, v.baseline
    FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::bigint[])
        AS v(package_id, install_set, digest, last_build_id, baseline)
"""


def _replace_dependency_rows(repo_id: int, outcomes: Sequence[PackageOutcome]) -> None:
    """Replace UnappliedChanges and stored install sets of the processed packages.

    One INSERT of unnested arrays per table: building a model instance per row and
    preparing every install-set member through the ORM's field cost more than the solve.
    """
    ids = [o.package_id for o in outcomes]
    wanted: set[Nevra] = set()
    for o in outcomes:
        for change in o.changes:
            wanted.update(n for n in (change.prev, change.curr) if n is not None)
    dep_ids = dependency_ids(wanted)
    changes = [
        (
            o.package_id,
            dep_ids[c.prev] if c.prev else None,
            dep_ids[c.curr] if c.curr else None,
            c.distance,
        )
        for o in outcomes
        for c in o.changes
    ]
    # install_ids is set (by resolve_packages) exactly for the outcomes with an install set
    stored = [o for o in outcomes if o.install_ids is not None]
    UnappliedChange.objects.filter(package_id__in=ids).delete()
    PackageResolution.objects.filter(package_id__in=ids).delete()
    with connection.cursor() as cursor:
        if changes:
            columns = [list(column) for column in zip(*changes, strict=True)]
            cursor.execute(INSERT_UNAPPLIED, columns)
        if stored:
            cursor.execute(INSERT_RESOLUTIONS, [repo_id, *_resolution_columns(stored)])


def _resolution_columns(outcomes: Sequence[PackageOutcome]) -> list[list[Any]]:
    """The INSERT_RESOLUTIONS arrays; each install set as its sorted Dependency ids."""
    install_sets = []
    for o in outcomes:
        install_sets.append("{" + ",".join(map(str, o.install_ids or ())) + "}")
    return [
        [o.package_id for o in outcomes],
        install_sets,
        [o.digest for o in outcomes],
        [o.last_build_id for o in outcomes],
        [o.baseline_build_id for o in outcomes],
    ]
