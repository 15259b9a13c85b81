"""Editing the settings of a collection that do not depend on Koji (operators' admin)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from koschei_site.errors import ServiceError
from packages.models import Collection
from packages.services.audit import log_entry
from packages.services.tracking import AnyUser

# Koji-derived fields (target, build_tag, dest_tag, secondary_mode) change only through
# the edit-collection command, which asks Koji for the tags of a new target.
LOCAL_SETTINGS = frozenset(
    {
        "display_name",
        "order",
        "priority_coefficient",
        "bugzilla_product",
        "bugzilla_version",
        "poll_untracked",
        "build_group",
    }
)


def _check(changes: dict[str, Any]) -> None:
    unknown = sorted(set(changes) - LOCAL_SETTINGS)
    if unknown:
        raise ServiceError(f"Not editable without Koji: {', '.join(unknown)}")
    for field in ("display_name", "build_group"):
        if field in changes and not str(changes[field] or "").strip():
            raise ServiceError(f"{field} must not be empty")
    coefficient = changes.get("priority_coefficient", 0)
    if isinstance(coefficient, bool) or not isinstance(coefficient, int | float):
        raise ServiceError("priority_coefficient must be a number")
    order = changes.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        raise ServiceError("order must be an integer")


@transaction.atomic
def edit_collection_settings(
    *, collection: Collection, changes: dict[str, Any], user: AnyUser, environment: str
) -> list[str]:
    """Set Koji-independent fields of a collection; returns the fields that changed.

    Audited as "Collection X modified" when anything changed.
    """
    _check(changes)
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
