"""What resolution does on the signals of the apps below it (connected in ``apps.py``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection

from builds.koji import KojiSessions
from koschei_site.errors import ExternalError
from packages.models import Collection
from resolution.models import UnappliedChange
from resolution.services import inputs

log = logging.getLogger(__name__)

# Run in the copying transaction, after builds copied its rows into copy_build_map.
HISTORY_COPY_STEPS = (
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


def forget_unapplied_changes(*, package_ids: list[int], **_: Any) -> None:
    """Delete the dependency changes no build has applied yet, in the sender's transaction."""
    UnappliedChange.objects.filter(package_id__in=package_ids).delete()


def copy_resolution_history(*, source_id: int, target_id: int, minimal: bool, **_: Any) -> None:
    """A branch (not a minimal fork) also copies the applied changes of the copied builds
    and the resolution history of the packages."""
    if minimal:
        return
    with connection.cursor() as cursor:
        for statement in HISTORY_COPY_STEPS:
            cursor.execute(statement, {"old": source_id, "new": target_id})


def fetch_build_requires(
    *,
    collection: Collection,
    srpms: Sequence[Mapping[str, Any]],
    sessions: KojiSessions,
    **_: Any,
) -> None:
    """Read the BuildRequires of newly registered SRPMs from Koji into ``srpm_requires``
    now, so that resolving the packages later makes no Koji call.  A Koji failure is only
    logged: whatever is still missing then is fetched when it is needed."""
    try:
        inputs.build_requires(collection, srpms, sessions)
    except ExternalError as exc:
        log.warning(
            "BuildRequires of %d new SRPMs of %s not fetched: %s", len(srpms), collection.name, exc
        )
