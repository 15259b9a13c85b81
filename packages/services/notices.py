"""The global notice shown on every page."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from koschei_site.errors import ServiceError
from packages.models import AdminNotice
from packages.services.audit import log_entry


@transaction.atomic
def set_notice(*, content: str, user: AbstractBaseUser, environment: str) -> AdminNotice:
    """Create or replace the global notice (stripped); audited."""
    content = content.strip()
    if not content:
        raise ServiceError("Notice content must not be empty")
    notice, _ = AdminNotice.objects.update_or_create(
        key=AdminNotice.GLOBAL, defaults={"content": content}
    )
    log_entry(user=user, environment=environment, message=f"Admin notice added: {content}")
    return notice


@transaction.atomic
def clear_notice(*, user: AbstractBaseUser, environment: str) -> bool:
    """Remove the global notice; returns whether there was one.  Audited."""
    deleted, _ = AdminNotice.objects.filter(key=AdminNotice.GLOBAL).delete()
    log_entry(user=user, environment=environment, message="Admin notice cleared")
    return bool(deleted)
