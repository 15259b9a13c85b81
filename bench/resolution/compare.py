"""Incremental == full: what a resolution leaves in the database, captured and compared.

Per package: the resolved flag, dependency_priority, the problem set of its latest
resolution change, its unapplied dependency changes (previous and current dependency
ids, distance) and its stored install set; per collection: whether the base buildroot
resolved and its problems.  The repo id a package was last resolved on is left out on
purpose: a reused install set keeps the repo it was computed on.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from django.db import connection

from bench.resolution.ingest import COLLECTION

PACKAGES = """
    SELECT p.id, p.name, p.resolved, p.dependency_priority
    FROM package p JOIN collection c ON c.id = p.collection_id
    WHERE c.name = %s
"""
LATEST_PROBLEMS = """
    SELECT DISTINCT ON (rc.package_id) rc.package_id,
        ARRAY(SELECT rp.problem FROM resolution_problem rp
              WHERE rp.resolution_id = rc.id ORDER BY rp.problem)
    FROM resolution_change rc JOIN package p ON p.id = rc.package_id
    JOIN collection c ON c.id = p.collection_id
    WHERE c.name = %s
    ORDER BY rc.package_id, rc.timestamp DESC, rc.id DESC
"""
UNAPPLIED = """
    SELECT u.package_id, u.prev_dep_id, u.curr_dep_id, u.distance
    FROM unapplied_change u JOIN package p ON p.id = u.package_id
    JOIN collection c ON c.id = p.collection_id
    WHERE c.name = %s
"""
INSTALL_SETS = """
    SELECT r.package_id, r.install_set
    FROM package_resolution r JOIN package p ON p.id = r.package_id
    JOIN collection c ON c.id = p.collection_id
    WHERE c.name = %s
"""
COLLECTION_STATE = """
    SELECT c.latest_repo_id, c.latest_repo_resolved,
        ARRAY(SELECT b.problem FROM buildroot_problem b
              WHERE b.collection_id = c.id ORDER BY b.problem)
    FROM collection c WHERE c.name = %s
"""

Snapshot = dict[str, Any]


def _rows(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [COLLECTION])
        return list(cursor.fetchall())


def _has_table(name: str) -> bool:
    return name in connection.introspection.table_names()


def capture() -> Snapshot:
    """The collection's resolution results as plain, comparable values, keyed by name."""
    names = {pid: name for pid, name, _r, _p in _rows(PACKAGES)}
    packages: dict[str, dict[str, Any]] = {
        name: {"resolved": resolved, "dependency_priority": priority}
        for _pid, name, resolved, priority in _rows(PACKAGES)
    }
    for pid, problems in _rows(LATEST_PROBLEMS):
        packages[names[pid]]["problems"] = tuple(problems)
    unapplied: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for pid, prev, curr, distance in _rows(UNAPPLIED):
        unapplied[pid].append((prev, curr, distance))
    for pid, changes in unapplied.items():
        packages[names[pid]]["unapplied"] = tuple(sorted(changes, key=repr))
    if _has_table("package_resolution"):
        for pid, install_set in _rows(INSTALL_SETS):
            packages[names[pid]]["install_set"] = tuple(sorted(install_set))
    state = _rows(COLLECTION_STATE)[0]
    return {
        "collection": {"repo_id": state[0], "resolved": state[1], "problems": tuple(state[2])},
        "packages": packages,
    }


def differences(incremental: Snapshot, full: Snapshot) -> list[str]:
    """One line per difference (package, field, incremental value, full value)."""
    lines = [
        f"collection {key}: incremental={incremental['collection'].get(key)!r} "
        f"full={full['collection'].get(key)!r}"
        for key in sorted(set(incremental["collection"]) | set(full["collection"]))
        if incremental["collection"].get(key) != full["collection"].get(key)
    ]
    left, right = incremental["packages"], full["packages"]
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name, {}), right.get(name, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                lines.append(f"{name} {key}: incremental={a.get(key)!r} full={b.get(key)!r}")
    return lines


def write_differences(path: Path, lines: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines))
