"""Collection groups: named sets of collections shown together (e.g. "Fedora")."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from koschei_site.errors import ServiceError
from packages.models import Collection, CollectionGroup, CollectionGroupRelation
from packages.services.audit import AnyUser, log_entry
from packages.services.validation import check_name, check_text
from packages.states import LogEnvironment


def get_collection_group(name: str) -> CollectionGroup:
    """The collection group with this name; ServiceError if there is none."""
    try:
        return CollectionGroup.objects.get(name=name)
    except CollectionGroup.DoesNotExist:
        raise ServiceError(f"Collection group not found: {name}") from None


def _audit(user: AnyUser, environment: str, message: str) -> None:
    # Collection groups have no audit message upstream; callers that know who acts
    # (commands, admin) pass a user and get one, the demo loader passes none.
    if user is not None:
        log_entry(user=user, environment=environment, message=message)


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
    *,
    name: str,
    display_name: str,
    collections: Iterable[str] = (),
    user: AnyUser = None,
    environment: str = LogEnvironment.ADMIN,
) -> CollectionGroup:
    """Create a collection group with its member collections; audited when a user is given."""
    name, display_name = name.strip(), display_name.strip()
    if not name or not display_name:
        raise ServiceError("Collection group name and display name must not be empty")
    check_name("collection group name", name)
    check_text("display name", display_name, required=True)
    if CollectionGroup.objects.filter(name=name).exists():
        raise ServiceError(f"Collection group already exists: {name}")
    members = _collections(collections)
    group = CollectionGroup.objects.create(name=name, display_name=display_name)
    _set_members(group, members)
    _audit(user, environment, f"Collection group {name} created")
    return group


@transaction.atomic
def edit_collection_group(
    *,
    group: CollectionGroup,
    display_name: str | None = None,
    collections: Iterable[str] | None = None,
    user: AnyUser = None,
    environment: str = LogEnvironment.ADMIN,
) -> CollectionGroup:
    """Change a collection group's display name and/or replace its members; audited."""
    if display_name is not None and not display_name.strip():
        raise ServiceError("Collection group display name must not be empty")
    if display_name is not None:
        check_text("display name", display_name.strip(), required=True)
    if display_name:
        group.display_name = display_name.strip()
        group.save(update_fields=["display_name"])
    if collections is not None:
        _set_members(group, _collections(collections))
    _audit(user, environment, f"Collection group {group.name} modified")
    return group


@transaction.atomic
def delete_collection_group(
    *, group: CollectionGroup, user: AnyUser = None, environment: str = LogEnvironment.ADMIN
) -> None:
    """Delete a collection group (its collections stay); audited when a user is given."""
    name = group.name
    group.delete()
    _audit(user, environment, f"Collection group {name} deleted")
