"""Comparison baselines: which build a package's dependency changes are measured against.

Spec 3.4 ``get_build_for_comparison``: the package's last build must be finished and
processed by the build resolver; when its dependencies resolved, it is the baseline;
when they did not, the newest earlier build whose dependencies resolved is; otherwise
there is none.  One SQL fragment says this, so the chunk that computes changes and the
incremental triage that decides whether stored changes still hold cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from builds.dependency_keys import decode_keys
from packages.states import BuildState

#: ``baseline.id``: the baseline build of package ``p`` (NULL: none); join it after ``p``
BASELINE_JOIN = f"""
    LEFT JOIN LATERAL (
        SELECT CASE
            WHEN lb.state = {int(BuildState.RUNNING)} OR lb.deps_resolved IS NULL THEN NULL
            WHEN lb.deps_resolved THEN lb.id
            ELSE (
                SELECT b.id FROM build b
                WHERE b.package_id = p.id AND b.deps_resolved AND b.started < lb.started
                ORDER BY b.started DESC, b.id DESC LIMIT 1
            )
        END AS id
        FROM build lb WHERE lb.id = p.last_build_id
    ) baseline ON TRUE
"""  # noqa: S608 - composed of constants

BASELINE_KEYS = f"""
    SELECT p.id, bb.id, bb.dependency_keys
    FROM package p
    {BASELINE_JOIN}
    JOIN build bb ON bb.id = baseline.id
    WHERE p.id = ANY(%s::int[])
"""  # noqa: S608 - composed of constants


def baseline_keys(package_ids: Sequence[int]) -> dict[int, tuple[int, list[int]]]:
    """Each package's baseline build and its resolved dependency ids (possibly none).

    Packages without a baseline are left out: they get no dependency changes.
    """
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_KEYS, [list(package_ids)])
        return {pid: (build_id, decode_keys(keys)) for pid, build_id, keys in cursor.fetchall()}
