"""Refreshing the statistics tables (upstream's emulated materialized views)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from builds.models import CollectionStats
from builds.services.scheduler import candidates
from packages.models import Collection, Package
from packages.states import PackageState

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


def record_collection_stats(now: datetime) -> int:
    """Append each collection's state counts (tracked, unblocked packages) and queue length
    (the scheduler's candidates) for the plots; returns the rows written."""
    counts: dict[int, dict[str, int]] = {}
    by_state = Package.objects.tracked().with_state().values("collection_id", "state")  # type: ignore[misc]
    for row in by_state.annotate(n=Count("id")):
        counts.setdefault(row["collection_id"], {})[row["state"]] = row["n"]
    running = dict(
        Package.objects.tracked()
        .exclude(last_build=F("last_complete_build"))
        .exclude(last_build__isnull=True)
        .values_list("collection_id")
        .annotate(n=Count("id"))
        .values_list("collection_id", "n")
    )
    queued = dict(
        candidates()
        .order_by()
        .values_list("collection_id")
        .annotate(n=Count("id"))
        .values_list("collection_id", "n")
    )
    snapshots = [
        CollectionStats(
            collection_id=collection_id,
            time=now,
            ok=counts.get(collection_id, {}).get(PackageState.OK, 0),
            failing=counts.get(collection_id, {}).get(PackageState.FAILING, 0),
            unresolved=counts.get(collection_id, {}).get(PackageState.UNRESOLVED, 0),
            unknown=counts.get(collection_id, {}).get(PackageState.UNKNOWN, 0),
            running=running.get(collection_id, 0),
            queue=queued.get(collection_id, 0),
        )
        for collection_id in Collection.objects.values_list("pk", flat=True)
    ]
    CollectionStats.objects.bulk_create(snapshots)
    return len(snapshots)


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
    collections = record_collection_stats(timezone.now())
    logger.info(
        "statistics refreshed: %s resource rows, %s collection snapshots", rows, collections
    )
