"""The scheduler benchmark's data: packages and builds made in SQL in a fresh database.

The last-build triggers are switched off while the builds are inserted (one trigger run per
row would dominate the set-up) and what they keep (pointers, the last build's start) is then
set in three statements, exactly as the triggers would; ``all_blocked`` likewise.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from bench.resolution.report import note

# Ages, priorities and flags are drawn with setseed, so a size gives the same data each run.
PACKAGES = """
INSERT INTO base_package (name, all_blocked)
    SELECT format('pkg-%%s', lpad(i::text, 6, '0')), false FROM generate_series(1, %(n)s) i;
INSERT INTO package (base_id, name, collection_id, tracked, blocked, resolved,
                     skip_resolution, static_priority, manual_priority, build_priority,
                     dependency_priority)
    SELECT b.id, b.name,
           (SELECT id FROM collection ORDER BY id OFFSET (b.id %% %(collections)s) LIMIT 1),
           random() < 0.95, random() < 0.01,
           CASE WHEN random() < 0.05 THEN false ELSE true END,
           false, 0, 0,
           CASE WHEN random() < 0.03 THEN 200 ELSE 0 END,
           CASE WHEN random() < 0.3 THEN (random() * 512)::int ELSE 0 END
    FROM base_package b;
"""

# Build g of a package started (g - 1) weeks plus up to 400 hours ago: the newest build's
# age spreads the time priority from its floor to well over the threshold.
BUILDS = """
INSERT INTO build (package_id, state, task_id, started, finished, version, release,
                   repo_id, last_complete, cancel_requested, deps_resolved, real, untagged)
    SELECT p.id,
           CASE WHEN random() < 0.2 THEN 5 ELSE 3 END,
           p.id * 1000 + g,
           now() - (g - 1) * interval '7 days' - random() * 400 * interval '1 hour',
           now() - (g - 1) * interval '7 days',
           '1.0', g::text || '.fc42', 1000, false, false, true, g %% 4 = 0, false
    FROM package p CROSS JOIN generate_series(1, %(per_package)s) g;
INSERT INTO build (package_id, state, task_id, started, version, release, last_complete,
                   cancel_requested, real, untagged)
    SELECT id, 2, id * 1000, now(), '1.0', '0.fc42', false, false, false, false
    FROM package WHERE tracked AND NOT blocked ORDER BY id LIMIT %(running)s;
"""

POINTERS = """
UPDATE package p SET last_build_id = lb.id, last_build_started = lb.started FROM (
    SELECT DISTINCT ON (package_id) package_id, id, started FROM build WHERE NOT untagged
    ORDER BY package_id, started DESC, id DESC) lb
WHERE lb.package_id = p.id;
UPDATE package p SET last_complete_build_id = lcb.id, last_complete_build_state = lcb.state
FROM (
    SELECT DISTINCT ON (package_id) package_id, id, state FROM build
    WHERE NOT untagged AND state IN (3, 5)
    ORDER BY package_id, started DESC, id DESC) lcb
WHERE lcb.package_id = p.id;
UPDATE build SET last_complete = true
    WHERE id IN (SELECT last_complete_build_id FROM package);
UPDATE base_package b SET all_blocked = NOT EXISTS (
    SELECT 1 FROM package p WHERE p.base_id = b.id AND NOT p.blocked);
UPDATE collection SET latest_repo_id = 1000, latest_repo_resolved = true;
"""


@dataclass(frozen=True)
class Size:
    packages: int
    builds_per_package: int
    collections: int
    running: int


def generate(size: Size) -> dict[str, int]:
    """Fill the (migrated, empty) database; returns the row counts."""
    from packages.models import Collection

    for i in range(size.collections):
        Collection.objects.create(
            name=f"f{42 + i}",
            display_name=f"Fedora {42 + i}",
            target=f"f{42 + i}",
            dest_tag=f"f{42 + i}",
            build_tag=f"f{42 + i}-build",
        )
    params = {
        "n": size.packages,
        "collections": size.collections,
        "per_package": size.builds_per_package,
        "running": size.running,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute("ALTER TABLE package DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE build DISABLE TRIGGER USER")
        note(f"inserting {size.packages} packages")
        cursor.execute(PACKAGES, params)
        note(f"inserting {size.packages * size.builds_per_package + size.running} builds")
        cursor.execute(BUILDS, params)
        note("setting last-build pointers")
        cursor.execute(POINTERS)
        cursor.execute("ALTER TABLE build ENABLE TRIGGER USER")
        cursor.execute("ALTER TABLE package ENABLE TRIGGER USER")
        cursor.execute("VACUUM ANALYZE")  # index-only scans need the visibility map
        counts = {}
        for table in ("package", "build"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            counts[table] = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM build WHERE state = 2")
        counts["running"] = int(cursor.fetchone()[0])
    return counts
