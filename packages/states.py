"""State vocabularies shared by packages, builds and messages (spec sections 3.1, 5.1)."""

from django.db import models


class BuildState(models.IntegerChoices):
    """Koschei's own build states; they reuse Koji's task state numbers on purpose."""

    RUNNING = 2, "running"
    COMPLETE = 3, "complete"
    FAILED = 5, "failed"


class KojiTaskState(models.IntegerChoices):
    """Koji's TASK_STATES."""

    FREE = 0, "free"
    OPEN = 1, "open"
    CLOSED = 2, "closed"
    CANCELED = 3, "canceled"
    ASSIGNED = 4, "assigned"
    FAILED = 5, "failed"


class PackageState(models.TextChoices):
    """The package state shown everywhere (``Package.state_string``)."""

    OK = "ok"
    FAILING = "failing"
    UNRESOLVED = "unresolved"
    BLOCKED = "blocked"
    UNTRACKED = "untracked"
    UNKNOWN = "unknown"


class SkipReason(models.IntegerChoices):
    """Why the scheduler last skipped a package (``Package.scheduler_skip_reason``)."""

    NO_SRPM = 1, "No suitable SRPM was found"
    NO_ARCH = 2, "No build architecture allowed for SRPM"


class LogEnvironment(models.TextChoices):
    """Where an audit log entry was written from."""

    ADMIN = "admin"
    BACKEND = "backend"
    FRONTEND = "frontend"


def package_state(
    *, blocked: bool, tracked: bool, resolved: bool | None, last_complete_build_state: int | None
) -> str:
    """ok / failing / unresolved / blocked / untracked / unknown (first rule wins)."""
    if blocked:
        return PackageState.BLOCKED
    if not tracked:
        return PackageState.UNTRACKED
    if resolved is False:
        return PackageState.UNRESOLVED
    if last_complete_build_state == BuildState.COMPLETE:
        return PackageState.OK
    if last_complete_build_state == BuildState.FAILED:
        return PackageState.FAILING
    return PackageState.UNKNOWN


MSG_STATES = frozenset({PackageState.OK, PackageState.FAILING, PackageState.UNRESOLVED})


def msg_state(state: str) -> str:
    """The state carried in published messages: ok/failing/unresolved, else ignored."""
    return state if state in MSG_STATES else "ignored"
