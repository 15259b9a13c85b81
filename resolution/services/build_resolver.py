"""The build resolver: each build's dependencies in the repo it used (spec 3.5, 8.9 fixed).

Builds with ``deps_resolved IS NULL AND repo_id IS NOT NULL`` are grouped by repo.  A dead
repo or a missing build group marks the group's builds unresolved; a repo that cannot be
had leaves them for the next run.  A resolved build stores its dependency set
(``Build.dependency_keys``) and AppliedChanges against the previous resolved build of
its package; an unresolved last build gets ``build_priority = priorities.newly_added``.

Spec 8.9 fixed: keys are cleared only on builds nobody needs any more.  A package keeps
them on its newest resolved build and on every build that is still the comparison
baseline of a later-started build not processed yet, so builds finishing out of order and
builds sharing a repo all get their changes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q

from builds import koji
from builds.dependency_keys import decode_keys, encode_keys
from builds.koji import KojiSessions
from builds.models import Build
from koschei_site.errors import error_reason
from packages.models import Collection, Package
from resolution.depsolve import Nevra, Resolution, dependency_changes
from resolution.models import AppliedChange
from resolution.services import inputs
from resolution.services.dependencies import dependency_ids, dependency_nevras
from resolution.services.inputs import RepoSource, RepoUnavailable

log = logging.getLogger(__name__)

#: advisory lock class of the build resolver (upstream: (2, repo_id))
BUILD_LOCK_CLASS = 2


@dataclass
class BuildFigures:
    """What a build-resolver pass did."""

    resolved: int = 0
    unresolved: int = 0
    left: int = 0
    changes: int = 0
    # (collection, one-line reason) of each collection that failed (the others still ran)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: BuildFigures) -> None:
        self.resolved += other.resolved
        self.unresolved += other.unresolved
        self.left += other.left
        self.changes += other.changes
        self.failed += other.failed

    @property
    def builds(self) -> int:
        return self.resolved + self.unresolved


def resolve_builds(
    *,
    sessions: KojiSessions,
    collection: Collection | None = None,
    progress: Callable[[int], None] | None = None,
) -> BuildFigures:
    """Resolve every unprocessed build (of one collection, or all).  Idempotent.

    Must not run inside a transaction: Koji and repos are read between transactions.  A
    collection that fails is logged in one line and listed in ``failed``; the others run.
    """
    figures = BuildFigures()
    collections = [collection] if collection else list(Collection.objects.order_by("id"))
    for coll in collections:
        try:
            figures.add(_resolve_collection_builds(coll, sessions, progress))
        except Exception as error:  # one bad collection never stops the others
            reason = error_reason(error)
            log.warning("resolve_builds %s failed: %s", coll.name, reason)
            log.debug("resolve_builds %s failed", coll.name, exc_info=True)
            figures.failed.append((coll.name, reason))
    log.info(
        "resolve_builds: resolved=%d unresolved=%d left=%d changes=%d",
        figures.resolved,
        figures.unresolved,
        figures.left,
        figures.changes,
    )
    return figures


def _resolve_collection_builds(
    collection: Collection, sessions: KojiSessions, progress: Callable[[int], None] | None
) -> BuildFigures:
    figures = BuildFigures()
    builds = list(
        Build.objects.unprocessed()
        .filter(package__collection=collection)
        .select_related("package")
        .order_by("repo_id", "started", "id")
    )
    by_repo: dict[int, list[Build]] = defaultdict(list)
    for build in builds:
        by_repo[int(build.repo_id or 0)].append(build)
    for repo_id, group in by_repo.items():
        figures.add(_resolve_repo_builds(collection, repo_id, group, sessions))
        if progress is not None:
            progress(len(group))
    return figures


def _resolve_repo_builds(
    collection: Collection, repo_id: int, builds: Sequence[Build], sessions: KojiSessions
) -> BuildFigures:
    """Resolve the builds that used one repo, persisting them chunk by chunk in start order.

    Chunks bound the memory (a repo may serve tens of thousands of ingested builds) and
    the transactions; a later chunk compares against keys an earlier one committed.
    """
    session = sessions.reading(collection)
    source = RepoSource(collection, repo_id, sessions)
    ordered = sorted(builds, key=lambda b: (b.started, b.pk))
    group = None
    if koji.get_repo_info(session, repo_id) is not None:
        group = inputs.build_group(source)
    figures = BuildFigures()
    if not group:  # dead repo or no build group: nothing can resolve
        for part in _chunks(ordered):
            figures.add(_persist_locked(repo_id, part, dict.fromkeys(b.pk for b in part)))
        return figures
    nvras = {b.pk: b.srpm_nvra for b in ordered}
    requires = inputs.build_requires(collection, list(nvras.values()), sessions)
    try:
        with inputs.solver_for(source) as solver:
            solver.prepare_files([*group, *(br for brs in requires.values() for br in brs)])
            for part in _chunks(ordered):
                results: dict[int, Resolution | None] = {}
                for build in part:
                    brs = requires.get(inputs.nvra_key(nvras[build.pk]))
                    results[build.pk] = solver.resolve(brs, group) if brs is not None else None
                figures.add(_persist_locked(repo_id, part, results))
    except RepoUnavailable as exc:
        log.warning("Builds of repo %s left for later: %s", repo_id, exc)
        figures.left += len(ordered) - figures.builds
    return figures


def _chunks(builds: Sequence[Build]) -> list[Sequence[Build]]:
    size = int(settings.KOSCHEI["dependency"].get("persist_chunk_size") or 150)
    return [builds[i : i + size] for i in range(0, len(builds), size)]


def _persist_locked(
    repo_id: int, builds: Sequence[Build], results: dict[int, Resolution | None]
) -> BuildFigures:
    """Persist one chunk under the repo's advisory lock (skipped when another holds it)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [BUILD_LOCK_CLASS, repo_id])
            (locked,) = cursor.fetchone() or (False,)
        if not locked:
            return BuildFigures(left=len(builds))
        return _persist(builds, results)


def _persist(builds: Sequence[Build], results: dict[int, Resolution | None]) -> BuildFigures:
    ids = sorted(results)
    fresh = set(
        Build.objects.select_for_update()
        .filter(pk__in=ids, deps_resolved__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    work = [b for b in sorted(builds, key=lambda b: (b.started, b.pk)) if b.pk in fresh]
    package_ids = sorted({b.package_id for b in work})
    list(
        Package.objects.select_for_update()
        .filter(pk__in=package_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    resolved = [b for b in work if (r := results[b.pk]) is not None and r.resolved]
    unresolved = [b for b in work if b not in resolved]
    dep_ids = dependency_ids(
        d.nevra
        for b in resolved
        for d in (results[b.pk].dependencies or ())  # type: ignore[union-attr]
    )
    for build in resolved:
        deps = results[build.pk].dependencies or ()  # type: ignore[union-attr]
        build.dependency_keys = encode_keys(dep_ids[d.nevra] for d in deps)
        build.deps_resolved = True
    for build in unresolved:
        build.deps_resolved = False
    Build.objects.bulk_update(work, ["deps_resolved", "dependency_keys"])
    _unresolved_last_builds(unresolved)
    changes = _applied_changes(resolved, results, dep_ids)
    _clear_unneeded_keys(package_ids)
    return BuildFigures(resolved=len(resolved), unresolved=len(unresolved), changes=changes)


def _unresolved_last_builds(builds: Sequence[Build]) -> None:
    """An unresolved last build makes its package count as newly added (no baseline)."""
    if not builds:
        return
    Package.objects.filter(last_build_id__in=[b.pk for b in builds]).update(
        build_priority=int(settings.KOSCHEI["priorities"]["newly_added"])
    )


PREVIOUS_BUILDS = """
    SELECT b.id, prev.dependency_keys
    FROM build b
    JOIN LATERAL (
        SELECT p.dependency_keys FROM build p
        WHERE p.package_id = b.package_id AND p.deps_resolved AND p.started < b.started
        ORDER BY p.started DESC, p.id DESC LIMIT 1
    ) prev ON TRUE
    WHERE b.id = ANY(%s::int[])
"""


def _applied_changes(
    builds: Sequence[Build], results: dict[int, Resolution | None], dep_ids: dict[Nevra, int]
) -> int:
    """Insert AppliedChanges of each resolved build against its previous resolved build."""
    if not builds:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(PREVIOUS_BUILDS, [[b.pk for b in builds]])
        previous = {bid: decode_keys(keys) for bid, keys in cursor.fetchall()}
    nevras = dependency_nevras(i for keys in previous.values() for i in keys)
    ids_of = {n: i for i, n in nevras.items()}
    ids_of.update(dep_ids)
    rows = []
    for build in builds:
        keys = previous.get(build.pk)
        if not keys:
            continue
        prev = [nevras[i] for i in keys if i in nevras]
        for change in dependency_changes(prev, results[build.pk].dependencies):  # type: ignore[union-attr]
            rows.append(
                AppliedChange(
                    build_id=build.pk,
                    prev_dep_id=ids_of[change.prev] if change.prev else None,
                    curr_dep_id=ids_of[change.curr] if change.curr else None,
                    distance=change.distance,
                )
            )
    AppliedChange.objects.bulk_create(rows)
    return len(rows)


def _clear_unneeded_keys(package_ids: Sequence[int]) -> None:
    """Drop dependency sets no later comparison can use (spec 5.3; 8.9 fixed)."""
    history: dict[int, list[tuple[int, bool | None, bool]]] = defaultdict(list)
    rows = (
        Build.objects.filter(package_id__in=package_ids)
        .annotate(has_keys=ExpressionWrapper(Q(dependency_keys__isnull=False), BooleanField()))
        .order_by("package_id", "started", "id")
        .values_list("package_id", "pk", "deps_resolved", "has_keys")
    )
    for package_id, pk, deps_resolved, has_keys in rows:
        history[package_id].append((pk, deps_resolved, has_keys))
    drop: list[int] = []
    for builds in history.values():
        keep: set[int] = set()
        newest_resolved = None
        for pk, deps_resolved, _ in builds:
            if deps_resolved is None and newest_resolved is not None:
                keep.add(newest_resolved)  # the baseline of a build not processed yet
            elif deps_resolved:
                newest_resolved = pk
        if newest_resolved is not None:
            keep.add(newest_resolved)
        drop += [pk for pk, _, has_keys in builds if has_keys and pk not in keep]
    if drop:
        Build.objects.filter(pk__in=drop).update(dependency_keys=None)
