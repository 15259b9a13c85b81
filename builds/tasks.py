"""django-q2 entry points of build state synchronisation: thin, idempotent, taking ids only.

``poll_builds`` is the periodic safety net over every running build; ``sync_build`` follows
one Koji task at once (a task state message).  A Koji failure is one WARNING line: the
builds stay running and the next poll takes them up again.
"""

from __future__ import annotations

import logging

from builds.koji import KojiError, KojiSessions
from builds.services.build_sync import SyncFigures, sync_builds

log = logging.getLogger(__name__)


def _sync(name: str, task_id: int | None = None) -> SyncFigures | None:
    try:
        figures = sync_builds(sessions=KojiSessions.from_settings(), task_id=task_id)
    except KojiError as exc:
        log.warning("%s: Koji failed, builds left running: %s", name, exc)
        return None
    log.info("%s: %s", name, figures)
    return figures


def poll_builds() -> int:
    """Update every running build from Koji; returns how many finished (complete or failed)."""
    figures = _sync("poll_builds")
    return figures.finished if figures else 0


def sync_build(task_id: int) -> int:
    """Update the running builds of one Koji task; returns how many finished."""
    figures = _sync(f"sync_build {task_id}", task_id)
    return figures.finished if figures else 0
