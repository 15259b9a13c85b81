"""Branching and forking collections (spec 3.14), copying their rows in SQL.

Both read their Koji targets first (``builds.services.collections.read_target``) and
take them as arguments.  Copied packages never keep pointers into the source
collection's builds (upstream's spec 8.23): pointers start empty and the last-build
triggers set them from the builds copied with them.  The copy covers packages, builds
and Koji tasks; the apps above add their own rows on ``collection_copied``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from builds.services.collections import KojiTarget, new_collection
from builds.signals import collection_copied
from koschei_site.errors import ServiceError
from packages.models import Collection, CollectionGroupRelation
from packages.services import log_entry
from packages.services.audit import AnyUser

PACKAGE_COLUMNS = (
    "base_id, name, arch_override, skip_resolution, resolved, static_priority, "
    "manual_priority, build_priority, dependency_priority, tracked, blocked, "
    "scheduler_skip_reason, snoozed_until, backoff_until"
)
BUILD_COLUMNS = (
    "state, task_id, started, finished, epoch, version, release, repo_id, cancel_requested, "
    "deps_resolved, real, untagged, dependency_keys, infra_failure"
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


def copy_collection(*, source: Collection, target: Collection, minimal: bool) -> None:
    """Copy packages and builds (last complete ones; with ``minimal`` off also the last
    month's) with their Koji tasks into an empty collection, then send
    ``collection_copied``.  Must run inside the caller's transaction."""
    params = {"old": source.pk, "new": target.pk, "minimal": minimal}
    with connection.cursor() as cursor:
        for statement in COPY_STEPS:
            cursor.execute(statement, params)
    collection_copied.send(
        sender=Collection, source_id=source.pk, target_id=target.pk, minimal=minimal
    )


def _copy_memberships(source: Collection, target: Collection) -> None:
    CollectionGroupRelation.objects.bulk_create(
        [
            CollectionGroupRelation(group_id=r.group_id, collection=target)
            for r in CollectionGroupRelation.objects.filter(collection=source)
        ]
    )


def _settings(master: Collection, **given: Any) -> dict[str, Any]:
    """The master's ``SETTINGS``, with the ``given`` ones instead of its own."""
    return {field: getattr(master, field) for field in Collection.SETTINGS} | given


@transaction.atomic
def branch_collection(
    *,
    master: Collection,
    new_name: str,
    display_name: str,
    new_target: KojiTarget,
    old_target: KojiTarget,
    user: AnyUser,
    environment: str,
    dest_tag: str | None = None,
    bugzilla_version: str | None = None,
) -> Collection:
    """Freeze a moving collection at branching time; returns the branched (frozen) one.

    The master (e.g. rawhide) is renamed ``new_name`` and moves to ``new_target``; a new
    collection takes the master's old name, target (``old_target``, read again from
    Koji) and dest tag, and a copy of its packages, recent builds and history.
    """
    master = Collection.objects.select_for_update().get(pk=master.pk)
    if Collection.objects.filter(name=new_name).exists():
        raise ServiceError("Object already exists")
    old_name, old_dest_tag = master.name, master.dest_tag
    settings = _settings(master, display_name=display_name, bugzilla_version=bugzilla_version)
    master.name = new_name
    for field, value in new_target.fields(dest_tag=dest_tag).items():
        setattr(master, field, value)
    master.order += 1
    master.save()
    branched = new_collection(
        name=old_name, target=old_target, dest_tag=old_dest_tag, settings=settings
    )
    _copy_memberships(master, branched)
    copy_collection(source=master, target=branched, minimal=False)
    log_entry(
        user=user,
        environment=environment,
        message=f"Collection {new_name} branched from {old_name}",
    )
    return branched


@transaction.atomic
def fork_collection(
    *,
    master: Collection,
    new_name: str,
    display_name: str,
    target: KojiTarget,
    user: AnyUser,
    environment: str,
    dest_tag: str | None = None,
) -> Collection:
    """A new collection (e.g. a side tag) starting from the master's last complete builds."""
    forked = new_collection(
        name=new_name,
        target=target,
        dest_tag=dest_tag,
        settings=_settings(master, display_name=display_name),
    )
    _copy_memberships(master, forked)
    copy_collection(source=master, target=forked, minimal=True)
    log_entry(
        user=user,
        environment=environment,
        message=f"Collection {new_name} forked from {master.name}",
    )
    return forked
