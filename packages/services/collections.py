"""Collections without Koji: looking one up, editing its settings, deleting it.

Creating a collection, or changing what Koji decides for it (target, tags, mode), reads
Koji: those services are ``builds.services.collections`` and ``builds.services.branching``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import connection, transaction

from koschei_site.errors import ServiceError
from packages.models import Collection
from packages.services.audit import AnyUser, log_entry
from packages.services.validation import (
    check_bool,
    check_integer,
    check_name,
    check_number,
    check_text,
)


def get_collection(name: str) -> Collection:
    """The collection with this machine name; ServiceError if there is none."""
    try:
        return Collection.objects.get(name=name)
    except Collection.DoesNotExist:
        raise ServiceError(f"Collection not found: {name}") from None


# How each of ``Collection.SETTINGS`` is checked.
SETTING_CHECKS: dict[str, Callable[[str, Any], object]] = {
    "display_name": partial(check_text, required=True),
    "order": check_integer,
    "priority_coefficient": check_number,
    "build_group": check_name,
    "poll_untracked": check_bool,
    "bugzilla_product": partial(check_text, required=False),
    "bugzilla_version": partial(check_text, required=False),
}


def check_settings(settings: dict[str, Any]) -> None:
    """ServiceError unless every key is one of ``Collection.SETTINGS`` with a sane value."""
    unknown = sorted(set(settings) - set(Collection.SETTINGS))
    if unknown:
        raise ServiceError(f"Not editable without Koji: {', '.join(unknown)}")
    for field, value in settings.items():
        SETTING_CHECKS[field](field, value)


@transaction.atomic
def edit_collection_settings(
    *, collection: Collection, changes: dict[str, Any], user: AnyUser, environment: str
) -> list[str]:
    """Set some of a collection's ``SETTINGS``; returns the fields that changed.

    Audited as "Collection X modified" when anything changed.
    """
    check_settings(changes)
    locked = Collection.objects.select_for_update().get(pk=collection.pk)
    changed = [field for field, value in changes.items() if getattr(locked, field) != value]
    if not changed:
        return []
    for field in changed:
        setattr(locked, field, changes[field])
        setattr(collection, field, changes[field])
    locked.save(update_fields=changed)
    log_entry(user=user, environment=environment, message=f"Collection {locked.name} modified")
    return changed


@transaction.atomic
def delete_collection(
    *, collection: Collection, force: bool, user: AnyUser, environment: str
) -> None:
    """Delete a collection and everything in it; refuses when it has packages unless forced.

    One SQL DELETE: the ON DELETE CASCADE actions created by the migrations remove
    packages, builds, tasks and changes without loading them into Python.
    """
    if not force and collection.packages.exists():
        raise ServiceError(
            f"Collection {collection.name} has packages; use --force to delete it anyway"
        )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM collection WHERE id = %s", [collection.pk])
    log_entry(user=user, environment=environment, message=f"Collection {collection.name} deleted")
