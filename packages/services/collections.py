"""Deleting collections and managing collection groups (creation needs Koji: next issue)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from packages.models import Collection, CollectionGroup, CollectionGroupRelation
from packages.services.audit import log_entry
from packages.services.errors import ServiceError
from packages.services.tracking import AnyUser


def get_collection(name: str) -> Collection:
    try:
        return Collection.objects.get(name=name)
    except Collection.DoesNotExist:
        raise ServiceError(f"Collection not found: {name}") from None


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


def _collections(names: Iterable[str]) -> list[Collection]:
    wanted = list(dict.fromkeys(names))
    found = list(Collection.objects.filter(name__in=wanted))
    missing = sorted(set(wanted) - {c.name for c in found})
    if missing:
        raise ServiceError(f"Some collections weren't found: {', '.join(missing)}")
    return found


def _set_members(group: CollectionGroup, collections: list[Collection]) -> None:
    CollectionGroupRelation.objects.filter(group=group).delete()
    CollectionGroupRelation.objects.bulk_create(
        [CollectionGroupRelation(group=group, collection=c) for c in collections]
    )


@transaction.atomic
def create_collection_group(
    *, name: str, display_name: str, collections: Iterable[str] = ()
) -> CollectionGroup:
    """Create a collection group with its member collections."""
    if CollectionGroup.objects.filter(name=name).exists():
        raise ServiceError(f"Collection group already exists: {name}")
    members = _collections(collections)
    group = CollectionGroup.objects.create(name=name, display_name=display_name)
    _set_members(group, members)
    return group


@transaction.atomic
def edit_collection_group(
    *,
    group: CollectionGroup,
    display_name: str | None = None,
    collections: Iterable[str] | None = None,
) -> CollectionGroup:
    """Change a collection group's display name and/or replace its members."""
    if display_name:
        group.display_name = display_name
        group.save(update_fields=["display_name"])
    if collections is not None:
        _set_members(group, _collections(collections))
    return group


@transaction.atomic
def delete_collection_group(*, group: CollectionGroup) -> None:
    """Delete a collection group (its collections stay)."""
    group.delete()
