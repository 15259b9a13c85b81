"""Secondary mode: primary repos made for the secondary repos a collection resolved (spec
3.6 ``refresh_repo_mappings``, 3.13 repo_regen).

A collection in secondary mode reads its packages, tags and repos from the secondary Koji,
which Koschei never writes to, and builds on the primary.  For the secondary repo it
resolved (``latest_repo_id``) the primary is asked to regenerate the collection's build tag
(``newRepo``), the tag's external repo first pointed at the secondary repo when
``secondary_koji_config.repo_url`` is set; the task is recorded in a
:class:`~builds.models.RepoMapping`, and once it is CLOSED the repo it made (its
createrepo children's ``request[0]``) becomes the mapping's ``primary_id``, the repo
scratch builds of the collection use.  Unlike upstream, which
drops the mapping of a failed task and crashes on unexpected children, a newRepo task that
failed, was canceled, vanished or made no usable repo is replaced by a new one at once and
counted in ``failures``; the scheduler holds the collection's builds meanwhile.

Koji is called outside any transaction; each write is one INSERT that ignores a
concurrent one or one UPDATE conditional on what was read, so the step is idempotent and
two workers running it at once cost at most one surplus regeneration.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from builds import koji, koji_repos
from builds.koji import KojiSessions
from builds.models import RepoMapping
from packages.models import Collection
from packages.states import KojiTaskState

logger = logging.getLogger(__name__)

#: newRepo task states after which no repo will come
GIVEN_UP = frozenset({KojiTaskState.FAILED, KojiTaskState.CANCELED})


class MappingState(enum.StrEnum):
    """Where the mapping of a collection's resolved secondary repo stands."""

    PRIMARY_MODE = "primary mode"  # the collection builds in the repos it reads: no mapping
    NO_REPO = "no repo resolved yet"
    REQUESTED = "requested"  # a newRepo task was just submitted to the primary
    WAITING = "waiting"  # the newRepo task is still running
    RETRIED = "retried"  # the newRepo task failed; a new one replaces it
    MAPPED = "mapped"


@dataclass(frozen=True)
class MappingStep:
    """What one refresh found or did for one collection."""

    state: MappingState
    secondary_id: int | None = None
    task_id: int | None = None
    primary_id: int | None = None
    failures: int = 0

    def __str__(self) -> str:
        if self.secondary_id is None:
            return self.state.value
        text = f"secondary repo {self.secondary_id}: {self.state.value}"
        if self.primary_id is not None:
            text += f" to primary repo {self.primary_id}"
        if self.task_id is not None:
            text += f" (newRepo task {self.task_id})"
        return text + (f", {self.failures} failed" if self.failures else "")


def mapped_primary_repo(collection: Collection) -> int | None:
    """The primary repo a secondary-mode collection builds in now: the one mapped to the
    secondary repo it resolved; None while there is none (or in primary mode)."""
    if not collection.secondary_mode or collection.latest_repo_id is None:
        return None
    return (
        RepoMapping.objects.filter(secondary_id=collection.latest_repo_id)
        .values_list("primary_id", flat=True)
        .first()
    )


def refresh_repo_mapping(*, collection: Collection, sessions: KojiSessions) -> MappingStep:
    """Make sure the primary mirrors the secondary repo a collection resolved: request the
    primary's newRepo, follow it, record the primary repo it made (idempotent; must not run
    in a transaction: Koji is called)."""
    if not collection.secondary_mode:
        return MappingStep(MappingState.PRIMARY_MODE)
    secondary_id = collection.latest_repo_id
    if secondary_id is None:
        return MappingStep(MappingState.NO_REPO)
    mapping = RepoMapping.objects.filter(secondary_id=secondary_id).first()
    if mapping is None:
        task_id = _request(collection, secondary_id, sessions)
        return MappingStep(MappingState.REQUESTED, secondary_id, task_id)
    if mapping.primary_id is not None:
        return _step(MappingState.MAPPED, mapping)
    return _follow(collection, mapping, sessions)


def _step(state: MappingState, mapping: RepoMapping) -> MappingStep:
    return MappingStep(
        state, mapping.secondary_id, mapping.task_id, mapping.primary_id, mapping.failures
    )


def _new_repo(collection: Collection, secondary_id: int, sessions: KojiSessions) -> int:
    """Start the primary's repo for a secondary repo: with ``secondary_koji_config.repo_url``
    the build tag's external repo points at the secondary repo first (upstream's
    repo_regen); without it the operator keeps the primary's build tag in step."""
    url_format = sessions.config(secondary=True).get("repo_url")
    if url_format:
        url = str(url_format).format(
            build_tag=collection.build_tag, repo_id=secondary_id, arch="$arch"
        )
        name = f"{collection.name}-{secondary_id}"
        koji_repos.use_external_repo(sessions.primary, tag=collection.build_tag, name=name, url=url)
    return koji_repos.new_repo(sessions.primary, collection.build_tag)


def _request(collection: Collection, secondary_id: int, sessions: KojiSessions) -> int:
    task_id = _new_repo(collection, secondary_id, sessions)
    RepoMapping.objects.bulk_create(
        [RepoMapping(secondary_id=secondary_id, task_id=task_id)], ignore_conflicts=True
    )
    recorded = RepoMapping.objects.get(secondary_id=secondary_id).task_id
    if recorded != task_id:
        logger.info("newRepo task %s is surplus: task %s was recorded first", task_id, recorded)
    logger.info(
        "%s: primary newRepo task %s of %s for secondary repo %s",
        collection.name,
        recorded,
        collection.build_tag,
        secondary_id,
    )
    return recorded


def _follow(collection: Collection, mapping: RepoMapping, sessions: KojiSessions) -> MappingStep:
    """A pending mapping: record the repo its finished task made, or replace a failed task."""
    primary = sessions.primary
    (info,) = koji.get_task_infos(primary, [mapping.task_id])
    state = None if info is None else int(info["state"])
    if state is not None and state not in GIVEN_UP and state != KojiTaskState.CLOSED:
        return _step(MappingState.WAITING, mapping)
    primary_id = _made_repo(primary, mapping.task_id) if state == KojiTaskState.CLOSED else None
    if primary_id is not None:
        RepoMapping.objects.filter(
            secondary_id=mapping.secondary_id, task_id=mapping.task_id, primary_id=None
        ).update(primary_id=primary_id)
        mapping.refresh_from_db()
        logger.info(
            "%s: secondary repo %s mapped to primary repo %s",
            collection.name,
            mapping.secondary_id,
            mapping.primary_id,
        )
        return _step(MappingState.MAPPED, mapping)
    return _retry(collection, mapping, sessions, state)


def _made_repo(session: koji.Session, task_id: int) -> int | None:
    """The repo a CLOSED newRepo task made, if Koji still has it usable."""
    (children,) = koji.get_task_children(session, [task_id])
    repo_ids = {_createrepo_repo(child) for child in children} - {None}
    if len(repo_ids) != 1:
        return None
    repo_id = int(repo_ids.pop() or 0)
    return repo_id if koji.get_repo_info(session, repo_id) is not None else None


def _createrepo_repo(child: dict[str, Any]) -> int | None:
    request = child.get("request") or []
    if child.get("method") != "createrepo" or not request or not isinstance(request[0], int):
        return None
    return int(request[0])


def _retry(
    collection: Collection, mapping: RepoMapping, sessions: KojiSessions, state: int | None
) -> MappingStep:
    why = "unknown to Koji" if state is None else KojiTaskState(state).label
    if state == KojiTaskState.CLOSED:
        why = "closed without a usable repo"
    old_task = mapping.task_id
    task_id = _new_repo(collection, mapping.secondary_id, sessions)
    replaced = RepoMapping.objects.filter(
        secondary_id=mapping.secondary_id, task_id=mapping.task_id, primary_id=None
    ).update(task_id=task_id, failures=mapping.failures + 1)
    if not replaced:
        logger.info("newRepo task %s is surplus: the mapping changed meanwhile", task_id)
    mapping.refresh_from_db()
    logger.warning(
        "%s: primary newRepo task %s for secondary repo %s %s; retried as task %s (%d failed)",
        collection.name,
        old_task,
        mapping.secondary_id,
        why,
        mapping.task_id,
        mapping.failures,
    )
    return _step(MappingState.RETRIED, mapping)
