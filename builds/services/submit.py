"""Submitting scratch builds of a package's latest SRPM to Koji (spec 3.2.1, 3.2.3)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from builds import koji
from builds.arches import srpm_arches
from builds.koji import KojiSessions
from builds.models import Build
from builds.services.repo_mappings import mapped_primary_repo
from koschei_site.errors import ServiceError
from packages.models import Package
from packages.states import BuildState

logger = logging.getLogger(__name__)


def get_srpm_arches(
    *,
    session: koji.Session,
    all_arches: list[str],
    nvra: Mapping[str, Any],
    arch_override: str | None,
    build_arches: Iterable[str] | None = None,
) -> set[str] | None:
    """Arches to build an SRPM on, from its Koji headers; None when Koji has no headers."""
    headers = koji.get_rpm_arch_headers(session, nvra)
    if headers is None:
        return None
    allowed = build_arches or settings.KOSCHEI["koji_config"]["build_arches"]
    return srpm_arches(
        tag_arches=all_arches, headers=headers, arch_override=arch_override, build_arches=allowed
    )


def package_arches(*, package: Package, sessions: KojiSessions) -> set[str] | None:
    """The arches a scratch build of the package's last complete build may use."""
    nvra = package.srpm_nvra
    if nvra is None:
        return None
    collection = package.collection
    all_arches = koji.get_build_arches(sessions.primary, collection.build_tag)
    return get_srpm_arches(
        session=sessions.reading(collection),
        all_arches=all_arches,
        nvra=nvra,
        arch_override=package.arch_override,
    )


def submit_build(
    *,
    package: Package,
    sessions: KojiSessions,
    arch_override: Iterable[str] | None = None,
    opts: Mapping[str, Any] | None = None,
) -> Build | None:
    """Submit a scratch build of the package's latest tagged SRPM; None when there is none.

    Koji is called outside any transaction; the RUNNING build row is written after the
    task exists (submission never duplicates a task: see builds.koji.submit_build).  A
    collection in secondary mode builds in the primary repo mapped to the secondary repo
    it resolved (``repo_id`` option); its build row keeps the secondary repo id, the one
    its dependencies are resolved in.
    """
    collection = package.collection
    if collection.latest_repo_id is None:
        raise ServiceError(f"Collection {collection.name} has no repo yet")
    primary_repo = mapped_primary_repo(collection)
    if collection.secondary_mode and primary_repo is None:
        raise ServiceError(
            f"Collection {collection.name}: no primary repo is mapped to secondary repo "
            f"{collection.latest_repo_id} yet"
        )
    config = sessions.config()
    reading = sessions.reading(collection)
    found = koji.get_last_srpm(
        reading,
        collection.dest_tag,
        package.name,
        relative_root=config.get("srpm_relative_path_root") or "..",
    )
    if found is None:
        return None
    info, url = found
    build_opts = {**(config.get("build_opts") or {}), **(opts or {}), "scratch": True}
    if arch_override is not None:
        build_opts["arch_override"] = " ".join(sorted(arch_override))
    target: str | None = collection.target
    if primary_repo is not None:
        build_opts["repo_id"] = primary_repo
    elif config.get("build_from_repo_id"):
        target, build_opts["repo_id"] = None, collection.latest_repo_id
    task_id = koji.submit_build(
        sessions.primary,
        srpm_url=url,
        target=target,
        opts=build_opts,
        priority=int(config.get("task_priority") or 30),
    )
    build = Build.objects.create(
        package=package,
        state=BuildState.RUNNING,
        task_id=task_id,
        started=timezone.now(),
        epoch=info.get("epoch"),
        version=info["version"],
        release=info["release"],
        # the repo its dependencies are resolved in: the secondary one in secondary mode
        repo_id=collection.latest_repo_id
        if primary_repo is not None
        else build_opts.get("repo_id"),
    )
    logger.info("submitted %s in %s as task %s", package.name, collection.name, task_id)
    return build
