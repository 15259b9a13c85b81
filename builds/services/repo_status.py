"""How stale a collection is: Koji's latest repo of its build tag beside the last one
Koschei recorded (resolved or found unusable), for operators' pages.

Nothing stores Koji's latest repo between checks, so it is asked here, read-only and
outside any transaction; a Koji that does not answer is reported, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from builds import koji
from builds.koji import KojiError, KojiSessions
from packages.models import Collection


@dataclass(frozen=True)
class RepoFacts:
    """One Koji repo: its id and when Koji made it (None when Koji no longer has it)."""

    repo_id: int
    created: datetime | None


@dataclass(frozen=True)
class RepoStatus:
    """Koji's latest repo and the collection's, or why Koji could not say."""

    collection: str
    build_tag: str
    recorded: RepoFacts | None
    koji_latest: RepoFacts | None = None
    error: str = ""

    @property
    def repos_behind(self) -> int | None:
        """How many repo ids Koji is ahead (0: up to date); None when unknown."""
        if self.koji_latest is None or self.recorded is None:
            return None
        return max(self.koji_latest.repo_id - self.recorded.repo_id, 0)

    @property
    def stale_for(self) -> timedelta | None:
        """How much newer Koji's latest repo is than the recorded one; None when unknown."""
        latest, recorded = self.koji_latest, self.recorded
        if latest is None or recorded is None or latest.created is None:
            return None
        if recorded.created is None:
            return None
        return max(latest.created - recorded.created, timedelta(0))


def _created(info: dict[str, Any] | None) -> datetime | None:
    if not info or info.get("create_ts") is None:
        return None
    return datetime.fromtimestamp(float(info["create_ts"]), tz=UTC)


def repo_status(*, collection: Collection, sessions: KojiSessions) -> RepoStatus:
    """Ask Koji for the build tag's latest READY repo and the recorded repo's creation.

    Must not run inside a transaction (it calls Koji).  A failed call gives a status
    whose ``error`` says "Koji unreachable: ..." and whose Koji facts are None.
    """
    recorded_id = collection.latest_repo_id
    status = RepoStatus(
        collection.name,
        collection.build_tag,
        RepoFacts(recorded_id, None) if recorded_id is not None else None,
    )
    try:
        session = sessions.reading(collection)
        latest = koji.get_latest_repo(session, collection.build_tag)
        recorded = koji.get_repo_info(session, recorded_id) if recorded_id is not None else None
    except KojiError as error:
        return replace(status, error=f"Koji unreachable: {error}")
    return RepoStatus(
        collection.name,
        collection.build_tag,
        RepoFacts(recorded_id, _created(recorded)) if recorded_id is not None else None,
        RepoFacts(int(latest["id"]), _created(latest)) if latest else None,
    )
