"""Which packages started failing when a dependency moved between two EVRs (spec 3.10).

A failed build counts when one of its dependency changes of ``name`` moved into, out of or
across the open interval (EVR1, EVR2), compared with RPM's rules in SQL (``rpmvercmp_evr``),
and the package's previous build did not fail.  Changes that add or remove the dependency
(no previous or no current version) do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from packages.evr import compare_evr
from packages.models import Collection

EVR = tuple[int | None, str, str]

AFFECTED_SQL = """
WITH deps AS (
    SELECT id,
           rpmvercmp_evr(epoch, version, release, %(e1)s, %(v1)s, %(r1)s) AS vs_low,
           rpmvercmp_evr(epoch, version, release, %(e2)s, %(v2)s, %(r2)s) AS vs_high
    FROM dependency WHERE name = %(name)s
), moved AS (
    SELECT ac.build_id, ac.distance
    FROM applied_change ac
    JOIN deps prev ON prev.id = ac.prev_dep_id
    JOIN deps curr ON curr.id = ac.curr_dep_id
    WHERE (prev.vs_low > 0 AND prev.vs_high < 0)
       OR (curr.vs_low > 0 AND curr.vs_high < 0)
       OR (prev.vs_low <= 0 AND curr.vs_high >= 0)
)
SELECT DISTINCT ON (m.distance, b.started, b.id) p.id, b.id, m.distance, b.started
FROM moved m
JOIN build b ON b.id = m.build_id
JOIN package p ON p.id = b.package_id
WHERE p.collection_id = %(collection)s AND NOT p.blocked AND p.tracked AND b.state = 5
  AND (SELECT pb.state FROM build pb
       WHERE pb.package_id = b.package_id AND pb.started < b.started
       ORDER BY pb.started DESC LIMIT 1) <> 5
ORDER BY m.distance ASC NULLS LAST, b.started DESC, b.id
"""


@dataclass(frozen=True)
class AffectedBuild:
    package_id: int
    build_id: int
    distance: int | None
    started: datetime


def affected_by(*, collection: Collection, name: str, low: EVR, high: EVR) -> list[AffectedBuild]:
    """Failed builds of ``collection`` that a change of ``name`` between ``low`` and
    ``high`` may have broken, nearest dependency first, newest build first."""
    params: dict[str, int | str | None] = {
        "name": name,
        "collection": collection.pk,
        "e1": low[0],
        "v1": low[1],
        "r1": low[2],
        "e2": high[0],
        "v2": high[1],
        "r2": high[2],
    }
    with connection.cursor() as cursor:
        cursor.execute(AFFECTED_SQL, params)
        return [AffectedBuild(*row) for row in cursor.fetchall()]


def is_upgrade(low: EVR, high: EVR) -> bool:
    return compare_evr(low, high) <= 0
