"""Refreshing the statistics tables (upstream's emulated materialized views)."""

from __future__ import annotations

import logging

from django.db import connection, transaction

logger = logging.getLogger(__name__)

SCALAR_SQL = """
INSERT INTO scalar_stats (refresh_time, packages, tracked_packages, blocked_packages,
                          builds, real_builds, scratch_builds)
SELECT clock_timestamp(), p.total, p.tracked, p.blocked, b.total, b.real, b.total - b.real
FROM (SELECT count(*) AS total,
             count(*) FILTER (WHERE tracked) AS tracked,
             count(*) FILTER (WHERE blocked) AS blocked FROM package) p,
     (SELECT count(*) AS total, count(*) FILTER (WHERE real) AS real FROM build) b
"""

RESOURCE_SQL = """
WITH per_arch AS (
    SELECT p.name, t.arch, SUM(t.finished - t.started) AS time
    FROM koji_task t JOIN build b ON b.id = t.build_id JOIN package p ON p.id = b.package_id
    GROUP BY p.name, t.arch
), total AS (SELECT EXTRACT(EPOCH FROM SUM(time)) AS seconds FROM per_arch)
INSERT INTO resource_consumption_stats (name, arch, time, time_percentage)
SELECT name, arch, time, EXTRACT(EPOCH FROM time) / NULLIF(total.seconds, 0)
FROM per_arch, total
"""


@transaction.atomic
def refresh_stats() -> None:
    """Recompute the package/build totals and the per-package Koji time consumption.

    Readers see either the old or the new figures: both tables are replaced in one
    transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM scalar_stats")
        cursor.execute(SCALAR_SQL)
        cursor.execute("DELETE FROM resource_consumption_stats")
        cursor.execute(RESOURCE_SQL)
        rows = cursor.rowcount
    logger.info("statistics refreshed: %s resource rows", rows)
