"""Registering real (non-scratch) builds from Koji, and untag/retag detection (spec 3.8)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from builds import koji
from builds.koji import KojiSessions
from builds.models import Build, KojiTask
from builds.services.noise import release_backoff
from builds.services.task_trees import TaskTree, apply_tree, fetch_task_trees, koji_task_rows
from builds.signals import srpms_registered
from packages.evr import compare_evr, srpm_nvra
from packages.models import Collection, Package
from packages.signals import send_dependency_changes_obsolete
from packages.states import BuildState

logger = logging.getLogger(__name__)

KOJI_BUILD_STATES = {koji.BUILD_COMPLETE: BuildState.COMPLETE, koji.BUILD_FAILED: BuildState.FAILED}


def info_evr(info: dict[str, Any]) -> tuple[int | None, str, str]:
    return (info.get("epoch"), info["version"], info["release"])


def build_evr(build: Build) -> tuple[int | None, str, str]:
    return (build.epoch, build.version or "", build.release or "")


def clear_priority_data(package_ids: Iterable[int]) -> None:
    """Reset the priorities a build satisfies and forget the changes it applied."""
    ids = list(package_ids)
    Package.objects.filter(pk__in=ids).update(
        manual_priority=0, dependency_priority=0, build_priority=0
    )
    send_dependency_changes_obsolete(ids)


def register_real_builds(
    *,
    collection: Collection,
    infos: Sequence[tuple[int, dict[str, Any]]],
    sessions: KojiSessions,
) -> list[Build]:
    """Insert real builds for (package id, Koji build info) pairs; returns those inserted.

    Task trees are read from Koji first (builds without a repo cannot be resolved and are
    dropped); then, per chunk, the packages are locked in id order, builds already
    registered (a concurrent run) are dropped, and the rest are inserted in bulk.  Only
    the packages that really got a build lose their priority data (spec 8.12 fixed).
    Once inserted, ``srpms_registered`` names the SRPMs of the complete builds.
    """
    session = sessions.reading(collection)
    chunk = int(settings.KOSCHEI.get("real_builds_insert_chunk") or 50)
    inserted: list[Build] = []
    candidates = [
        (pid, info)
        for pid, info in infos
        if info.get("task_id") and info.get("state") in KOJI_BUILD_STATES
    ]
    for start in range(0, len(candidates), chunk):
        part = candidates[start : start + chunk]
        trees = fetch_task_trees(session, [int(info["task_id"]) for _, info in part])
        ready = [
            (pid, info, tree)
            for (pid, info), tree in zip(part, trees, strict=True)
            if tree is not None and tree.repo_id is not None
        ]
        inserted += _insert_real_builds(ready)
    _announce_srpms(collection, [b for b in inserted if b.state == BuildState.COMPLETE], sessions)
    logger.info(
        "register_real_builds %s: %s of %s registered", collection.name, len(inserted), len(infos)
    )
    return inserted


def _announce_srpms(
    collection: Collection, builds: Sequence[Build], sessions: KojiSessions
) -> None:
    """Send ``srpms_registered`` for the builds' SRPMs once the caller's transaction (if
    any) commits."""
    if not builds:
        return
    names = dict(
        Package.objects.filter(pk__in={b.package_id for b in builds}).values_list("pk", "name")
    )
    srpms = [srpm_nvra(names[b.package_id], b.version, b.release) for b in builds]
    transaction.on_commit(
        functools.partial(
            srpms_registered.send,
            sender=Build,
            collection=collection,
            srpms=srpms,
            sessions=sessions,
        ),
        robust=True,
    )


@transaction.atomic
def _insert_real_builds(rows: Sequence[tuple[int, dict[str, Any], TaskTree]]) -> list[Build]:
    package_ids = sorted({pid for pid, _, _ in rows})
    list(
        Package.objects.select_for_update()
        .filter(pk__in=package_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    present = set(
        Build.objects.filter(package_id__in=package_ids, real=True).values_list(
            "package_id", "task_id"
        )
    )
    builds, tasks = [], []
    for package_id, info, tree in rows:
        if (package_id, int(info["task_id"])) in present:
            continue
        present.add((package_id, int(info["task_id"])))
        build = Build(
            package_id=package_id,
            real=True,
            state=KOJI_BUILD_STATES[info["state"]],
            task_id=int(info["task_id"]),
            epoch=info.get("epoch"),
            version=info["version"],
            release=info["release"],
        )
        apply_tree(build, tree, finished_state=True)
        builds.append(build)
        tasks.append(tree)
    Build.objects.bulk_create(builds)
    KojiTask.objects.bulk_create(
        [
            row
            for build, tree in zip(builds, tasks, strict=True)
            for row in koji_task_rows(build, tree)
        ]
    )
    clear_priority_data({b.package_id for b in builds})
    release_backoff({b.package_id for b in builds})  # a new real build ends retries
    return builds


@dataclass
class RealBuildChanges:
    """What one refresh of a collection's latest builds did."""

    registered: int = 0
    untagged: int = 0
    retagged: int = 0

    def __str__(self) -> str:
        return f"{self.registered} registered, {self.untagged} untagged, {self.retagged} retagged"


def refresh_latest_builds(
    *, collection: Collection, sessions: KojiSessions, package_name: str | None = None
) -> RealBuildChanges:
    """Register new real builds of the dest tag, then detect untagged and retagged ones;
    only the package ``package_name`` when given (what a tag message names).

    A build newer than a package's last build is registered (tracked packages, or all
    when the collection polls untracked ones).  When Koji's latest is *older* than our
    last build, the newer builds were untagged: they are flagged, and the database
    triggers move the package's last-build pointers back.  Idempotent.
    """
    session = sessions.reading(collection)
    tagged = koji.list_tagged_latest(session, collection.dest_tag, package=package_name)
    infos = [i for i in tagged if i.get("task_id")]
    changes = RealBuildChanges()
    packages = _packages_by_name(collection, package_name)
    builds = Build.objects.filter(package__collection=collection, real=True)
    if package_name is not None:
        builds = builds.filter(package__name=package_name)
    known = set(builds.values_list("task_id", flat=True))
    fresh = [
        (packages[i["package_name"]].pk, i)
        for i in infos
        if int(i["task_id"]) not in known and _wants(collection, packages, i)
    ]
    changes.registered = len(
        register_real_builds(collection=collection, infos=fresh, sessions=sessions)
    )
    packages = _packages_by_name(collection, package_name)
    for info in infos:
        package = packages.get(info["package_name"])
        if (
            package is not None
            and package.last_build is not None
            and compare_evr(info_evr(info), build_evr(package.last_build)) < 0
        ):
            changes.untagged += _mark_untagged(collection, package, info, sessions)
    changes.retagged = _retag(collection, packages, infos)
    logger.info("refresh_latest_builds %s: %s", collection.name, changes)
    return changes


def _packages_by_name(collection: Collection, name: str | None = None) -> dict[str, Package]:
    packages = Package.objects.filter(collection=collection).select_related("last_build")
    if name is not None:
        packages = packages.filter(name=name)
    return {p.name: p for p in packages}


def _wants(collection: Collection, packages: dict[str, Package], info: dict[str, Any]) -> bool:
    package = packages.get(info["package_name"])
    if package is None or not (package.tracked or collection.poll_untracked):
        return False
    last = package.last_build
    return last is None or compare_evr(info_evr(info), build_evr(last)) > 0


def _same_evr(package: Package, info: dict[str, Any]) -> Any:
    return Build.objects.filter(
        package=package, epoch=info.get("epoch"), version=info["version"], release=info["release"]
    )


def _mark_untagged(
    collection: Collection, package: Package, info: dict[str, Any], sessions: KojiSessions
) -> int:
    """Flag the builds newer than Koji's latest one; returns how many were flagged."""
    tagged = _same_evr(package, info).order_by("-started", "-id").first()
    if tagged is None:
        register_real_builds(collection=collection, infos=[(package.pk, info)], sessions=sessions)
        tagged = _same_evr(package, info).order_by("-started", "-id").first()
    newer = Build.objects.filter(package=package, untagged=False)
    if tagged is not None:
        # "after" in the triggers' order: by start time, then by id.
        newer = newer.filter(
            Q(started__gt=tagged.started) | Q(started=tagged.started, id__gt=tagged.id)
        )
    with transaction.atomic():
        return newer.update(untagged=True)


def _retag(
    collection: Collection, packages: dict[str, Package], infos: Sequence[dict[str, Any]]
) -> int:
    """Clear the untagged flag of builds whose EVR Koji tags again."""
    count = 0
    for info in infos:
        package = packages.get(info["package_name"])
        if package is not None:
            count += _same_evr(package, info).filter(untagged=True).update(untagged=False)
    return count
