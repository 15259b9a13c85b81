"""Audit log entries and the identity of the operator running a command."""

from __future__ import annotations

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from packages.models import BasePackage, LogEntry
from packages.states import LogEnvironment

User = get_user_model()


def command_user() -> AbstractBaseUser:
    """The user named by $SUDO_USER, else the OS user; created on first use."""
    name = os.environ.get("SUDO_USER") or getpass.getuser()
    user, _ = User.objects.get_or_create(username=name)
    return user


def log_entry(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
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
