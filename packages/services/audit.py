"""Audit log entries (the operator a command runs for is named by ``koschei_site.commands``)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from packages.models import BasePackage, LogEntry
from packages.states import LogEnvironment

# Who a service acts for: a user, Django's anonymous user, or nobody (the backend).
AnyUser = AbstractBaseUser | AnonymousUser | None


def log_entry(
    *,
    user: AnyUser,
    environment: str,
    message: str,
    base: BasePackage | None = None,
) -> LogEntry:
    """Append one audit entry; backend entries may have no user."""
    if user is not None and not user.is_authenticated:
        user = None
    if user is None and environment != LogEnvironment.BACKEND:
        raise ValueError(f"a {environment} log entry needs a user")
    return LogEntry.objects.create(
        user_id=user.pk if user is not None else None,
        environment=environment,
        message=message,
        base=base,
    )
