"""Branching and forking collections (spec 3.14), copying their history in SQL.

Copied packages never keep pointers into the source collection's builds (upstream's
spec 8.23): pointers start empty and the last-build triggers set them from the builds
copied with them.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from builds.koji import KojiSessions
from builds.services.collections import koji_tags
from koschei_site.errors import ServiceError
from packages.models import Collection, CollectionGroupRelation
from packages.services import get_collection, log_entry
from packages.services.tracking import AnyUser

PACKAGE_COLUMNS = (
    "base_id, name, arch_override, skip_resolution, resolved, static_priority, "
    "manual_priority, build_priority, dependency_priority, tracked, blocked, "
    "scheduler_skip_reason"
)
BUILD_COLUMNS = (
    "state, task_id, started, finished, epoch, version, release, repo_id, cancel_requested, "
    "deps_resolved, real, untagged, dependency_keys"
)
PREFIXED_BUILD_COLUMNS = ", ".join("b." + column for column in BUILD_COLUMNS.split(", "))
# The f-strings below only splice in the constant column lists above.
COPY_STEPS = (
    f"""INSERT INTO package ({PACKAGE_COLUMNS}, collection_id)
        SELECT {PACKAGE_COLUMNS}, %(new)s FROM package WHERE collection_id = %(old)s""",  # noqa: S608
    """CREATE TEMPORARY TABLE copy_build_map ON COMMIT DROP AS
        SELECT b.id AS old_id, nextval(pg_get_serial_sequence('build', 'id')) AS new_id,
               np.id AS package_id
        FROM build b
        JOIN package op ON op.id = b.package_id
        JOIN package np ON np.base_id = op.base_id AND np.collection_id = %(new)s
        WHERE op.collection_id = %(old)s
          AND (b.id = op.last_complete_build_id
               OR (NOT %(minimal)s AND b.started > clock_timestamp() - interval '1 month'))""",
    f"""INSERT INTO build (id, package_id, last_complete, {BUILD_COLUMNS})
        SELECT m.new_id, m.package_id, false, {PREFIXED_BUILD_COLUMNS}
        FROM build b JOIN copy_build_map m ON m.old_id = b.id ORDER BY b.started, b.id""",  # noqa: S608
    """INSERT INTO koji_task (build_id, task_id, arch, state, started, finished)
        SELECT m.new_id, t.task_id, t.arch, t.state, t.started, t.finished
        FROM koji_task t JOIN copy_build_map m ON m.old_id = t.build_id""",
)
HISTORY_STEPS = (
    """INSERT INTO applied_change (build_id, prev_dep_id, curr_dep_id, distance)
        SELECT m.new_id, c.prev_dep_id, c.curr_dep_id, c.distance
        FROM applied_change c JOIN copy_build_map m ON m.old_id = c.build_id""",
    """CREATE TEMPORARY TABLE copy_resolution_map ON COMMIT DROP AS
        SELECT r.id AS old_id,
               nextval(pg_get_serial_sequence('resolution_change', 'id')) AS new_id,
               np.id AS package_id
        FROM resolution_change r
        JOIN package op ON op.id = r.package_id
        JOIN package np ON np.base_id = op.base_id AND np.collection_id = %(new)s
        WHERE op.collection_id = %(old)s""",
    """INSERT INTO resolution_change (id, package_id, resolved, timestamp)
        SELECT m.new_id, m.package_id, r.resolved, r.timestamp
        FROM resolution_change r JOIN copy_resolution_map m ON m.old_id = r.id""",
    """INSERT INTO resolution_problem (resolution_id, problem)
        SELECT m.new_id, p.problem
        FROM resolution_problem p JOIN copy_resolution_map m ON m.old_id = p.resolution_id""",
)


def copy_collection(*, source: Collection, target: Collection, minimal: bool) -> None:
    """Copy packages and builds (last complete ones; with ``minimal`` off also the last
    month's, with tasks, applied changes and resolution history) into an empty collection.
    Must run inside the caller's transaction."""
    params = {"old": source.pk, "new": target.pk, "minimal": minimal}
    steps = COPY_STEPS if minimal else COPY_STEPS + HISTORY_STEPS
    with connection.cursor() as cursor:
        for statement in steps:
            cursor.execute(statement, params)


def _copy_memberships(source: Collection, target: Collection) -> None:
    CollectionGroupRelation.objects.bulk_create(
        [
            CollectionGroupRelation(group_id=r.group_id, collection=target)
            for r in CollectionGroupRelation.objects.filter(collection=source)
        ]
    )


def _inherited(master: Collection, *fields: str) -> dict[str, Any]:
    return {field: getattr(master, field) for field in fields}


def _check_free(name: str) -> None:
    if Collection.objects.filter(name=name).exists():
        raise ServiceError("Object already exists")


COPIED_SETTINGS = (
    "secondary_mode",
    "priority_coefficient",
    "bugzilla_product",
    "poll_untracked",
    "build_group",
)


def branch_collection(
    *,
    master_name: str,
    new_name: str,
    display_name: str,
    target: str,
    sessions: KojiSessions,
    user: AnyUser,
    environment: str,
    dest_tag: str | None = None,
    bugzilla_version: str | None = None,
) -> Collection:
    """Freeze a moving collection at branching time; returns the branched (frozen) one.

    The master (e.g. rawhide) is renamed ``new_name`` and moves to the new target; a new
    collection takes the master's old name, target and tags, and a copy of its packages,
    recent builds and history.  Koji is read for both targets before anything changes.
    """
    master = get_collection(master_name)
    _check_free(new_name)
    new_tags = koji_tags(sessions=sessions, target=target, secondary_mode=master.secondary_mode)
    old_tags = koji_tags(
        sessions=sessions, target=master.target, secondary_mode=master.secondary_mode
    )
    with transaction.atomic():
        old = _inherited(master, "name", "target", "dest_tag", "order", *COPIED_SETTINGS)
        master.name, master.target = new_name, target
        master.build_tag = new_tags["build_tag"]
        master.dest_tag = dest_tag or new_tags["build_tag"]
        master.order += 1
        master.save()
        branched = Collection.objects.create(
            display_name=display_name,
            bugzilla_version=bugzilla_version,
            build_tag=old_tags["build_tag"],
            **old,
        )
        _copy_memberships(master, branched)
        copy_collection(source=master, target=branched, minimal=False)
        log_entry(
            user=user,
            environment=environment,
            message=f"Collection {new_name} branched from {master_name}",
        )
    return branched


def fork_collection(
    *,
    master_name: str,
    new_name: str,
    display_name: str,
    target: str,
    sessions: KojiSessions,
    user: AnyUser,
    environment: str,
    dest_tag: str | None = None,
) -> Collection:
    """A new collection (e.g. a side tag) starting from the master's last complete builds."""
    master = get_collection(master_name)
    _check_free(new_name)
    tags = koji_tags(sessions=sessions, target=target, secondary_mode=master.secondary_mode)
    with transaction.atomic():
        forked = Collection.objects.create(
            name=new_name,
            display_name=display_name,
            target=target,
            build_tag=tags["build_tag"],
            dest_tag=dest_tag or tags["build_tag"],
            **_inherited(master, "order", "bugzilla_version", *COPIED_SETTINGS),
        )
        _copy_memberships(master, forked)
        copy_collection(source=master, target=forked, minimal=True)
        log_entry(
            user=user,
            environment=environment,
            message=f"Collection {new_name} forked from {master_name}",
        )
    return forked
