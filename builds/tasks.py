"""django-q2 entry points of the builds domain: thin, idempotent, taking ids only.

``schedule_builds`` comes first; the other builds tasks follow it.
"""

from __future__ import annotations

import logging

from builds.koji import KojiSessions
from builds.services.scheduler import schedule_build

log = logging.getLogger(__name__)


def schedule_builds() -> str:
    """One scheduling decision (at most one scratch build); returns its summary line.

    Safe to run at any time and on several workers at once: the decision is serialised in
    the database, and a passive instance (services.scheduler.enabled false) does nothing.
    """
    sessions = KojiSessions.from_settings()
    try:
        decision = schedule_build(sessions=sessions)
    finally:
        sessions.close()
    summary = decision.summary()
    log.info("schedule_builds: %s", summary)
    return summary
