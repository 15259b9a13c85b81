"""Submitting scratch builds of a package's latest SRPM to Koji (spec 3.2.1, 3.2.3)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.conf import settings
from django.utils import timezone

from builds import koji, koji_submission
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


@dataclass(frozen=True)
class Submission:
    """A scratch build about to be submitted: Koji's ``build`` arguments, the SRPM's EVR
    and the floor above which its task will be (``koji_submission.last_build_task_id``).

    Kept in a :class:`~builds.models.SubmissionClaim` before Koji is called (``as_json``),
    so a build whose submitter died can be found in Koji afterwards.
    """

    srpm_url: str
    target: str | None
    opts: dict[str, Any]
    priority: int
    epoch: int | None
    version: str
    release: str
    after_task_id: int
    # the repo the build row records: the one its dependencies are resolved in (in
    # secondary mode the secondary repo, while ``opts`` names the mapped primary one)
    resolved_repo_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Submission:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


def prepare_submission(
    *,
    package: Package,
    sessions: KojiSessions,
    arch_override: Iterable[str] | None = None,
    opts: Mapping[str, Any] | None = None,
) -> Submission | None:
    """What a scratch build of the package's latest tagged SRPM would submit (Koji read,
    nothing submitted); None when the destination tag has no SRPM of it.

    A collection in secondary mode builds in the primary repo mapped to the secondary repo
    it resolved (``repo_id`` option); its build row keeps the secondary repo id, the one
    its dependencies are resolved in (``resolved_repo_id``).
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
    found = koji.get_last_srpm(
        sessions.reading(collection),
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
    return Submission(
        srpm_url=url,
        target=target,
        opts=build_opts,
        priority=int(config.get("task_priority") or 30),
        epoch=info.get("epoch"),
        version=info["version"],
        release=info["release"],
        after_task_id=koji_submission.last_build_task_id(sessions.primary),
        resolved_repo_id=collection.latest_repo_id
        if primary_repo is not None
        else build_opts.get("repo_id"),
    )


def submit_prepared(*, submission: Submission, sessions: KojiSessions) -> int:
    """Call Koji's ``build`` (outside any transaction); the task id.

    Never makes two tasks (``builds.koji_submission.submit_build``); raises
    ``SubmissionUnclear`` when Koji may have made the task and cannot say.
    """
    return koji_submission.submit_build(
        sessions.primary,
        srpm_url=submission.srpm_url,
        target=submission.target,
        opts=submission.opts,
        priority=submission.priority,
        after_task_id=submission.after_task_id,
    )


def find_submitted(*, submission: Submission, sessions: KojiSessions) -> int | None:
    """The task Koji made for this submission, if it made one (Koji read only)."""
    return koji_submission.find_submitted_build(
        sessions.primary,
        srpm_url=submission.srpm_url,
        target=submission.target,
        opts=submission.opts,
        after_task_id=submission.after_task_id,
    )


def record_build(*, package: Package, submission: Submission, task_id: int) -> Build:
    """The RUNNING build row of a task Koji made (the existing one if already recorded)."""
    existing = Build.objects.filter(package=package, task_id=task_id).first()
    if existing is not None:
        return existing
    build = Build.objects.create(
        package=package,
        state=BuildState.RUNNING,
        task_id=task_id,
        started=timezone.now(),
        epoch=submission.epoch,
        version=submission.version,
        release=submission.release,
        repo_id=submission.resolved_repo_id,
    )
    logger.info("submitted %s in %s as task %s", package.name, package.collection.name, task_id)
    return build


def submit_build(
    *,
    package: Package,
    sessions: KojiSessions,
    arch_override: Iterable[str] | None = None,
    opts: Mapping[str, Any] | None = None,
) -> Build | None:
    """Submit a scratch build of the package's latest tagged SRPM; None when there is none.

    Koji is called outside any transaction; the RUNNING build row is written after the
    task exists (submission never duplicates a task: see builds.koji_submission).
    """
    submission = prepare_submission(
        package=package, sessions=sessions, arch_override=arch_override, opts=opts
    )
    if submission is None:
        return None
    task_id = submit_prepared(submission=submission, sessions=sessions)
    return record_build(package=package, submission=submission, task_id=task_id)
