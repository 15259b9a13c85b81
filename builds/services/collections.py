"""Collections whose tags come from Koji: creating one and changing its target or mode."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from builds import koji
from builds.koji import KojiSessions
from koschei_site.errors import ServiceError
from packages.models import Collection
from packages.services import log_entry
from packages.services.collection_settings import LOCAL_SETTINGS, edit_collection_settings
from packages.services.tracking import AnyUser


def koji_tags(*, sessions: KojiSessions, target: str, secondary_mode: bool) -> dict[str, str]:
    """``build_tag`` and ``dest_tag`` of a Koji target; ServiceError when Koji lacks it."""
    info = koji.get_build_target(sessions.for_reading(secondary_mode=secondary_mode), target)
    if not info:
        raise ServiceError("Target not found in Koji")
    return {"build_tag": info["build_tag_name"], "dest_tag": info["dest_tag_name"]}


def create_collection(
    *,
    name: str,
    display_name: str,
    target: str,
    sessions: KojiSessions,
    user: AnyUser,
    environment: str,
    dest_tag: str | None = None,
    secondary_mode: bool = False,
    **settings: Any,
) -> Collection:
    """Create a collection for a Koji target; ``dest_tag`` defaults to its build tag.

    ``settings`` are the Koji-independent fields (order, priority_coefficient,
    build_group, poll_untracked, bugzilla_product, bugzilla_version).  Koji is asked
    before anything is written.
    """
    _check_settings(settings)
    if Collection.objects.filter(name=name).exists():
        raise ServiceError("Object already exists")
    tags = koji_tags(sessions=sessions, target=target, secondary_mode=secondary_mode)
    with transaction.atomic():
        collection = Collection.objects.create(
            name=name,
            display_name=display_name,
            target=target,
            build_tag=tags["build_tag"],
            dest_tag=dest_tag or tags["build_tag"],
            secondary_mode=secondary_mode,
            **settings,
        )
        log_entry(user=user, environment=environment, message=f"Collection {name} created")
    return collection


def edit_collection(
    *,
    collection: Collection,
    sessions: KojiSessions,
    user: AnyUser,
    environment: str,
    new_name: str | None = None,
    target: str | None = None,
    dest_tag: str | None = None,
    secondary_mode: bool | None = None,
    **settings: Any,
) -> list[str]:
    """Change a collection; a new target or mode re-reads its tags from Koji.

    Returns the names of the fields that changed; audited as "Collection X modified".
    """
    settings = {k: v for k, v in settings.items() if v is not None}
    _check_settings(settings)
    koji_fields: dict[str, Any] = {}
    mode = collection.secondary_mode if secondary_mode is None else secondary_mode
    if target is not None or mode != collection.secondary_mode:
        tags = koji_tags(sessions=sessions, target=target or collection.target, secondary_mode=mode)
        koji_fields.update(
            target=target or collection.target, build_tag=tags["build_tag"], secondary_mode=mode
        )
    if dest_tag:
        koji_fields["dest_tag"] = dest_tag
    if new_name and new_name != collection.name:
        if Collection.objects.filter(name=new_name).exists():
            raise ServiceError("Object already exists")
        koji_fields["name"] = new_name
    with transaction.atomic():
        changed = edit_collection_settings(
            collection=collection, changes=settings, user=user, environment=environment
        )
        changed += _set_fields(
            collection, koji_fields, user=user, environment=environment, audited=not changed
        )
    return changed


def _check_settings(settings: dict[str, Any]) -> None:
    unknown = sorted(set(settings) - LOCAL_SETTINGS)
    if unknown:
        raise ServiceError(f"Unknown collection settings: {', '.join(unknown)}")


def _set_fields(
    collection: Collection,
    fields: dict[str, Any],
    *,
    user: AnyUser,
    environment: str,
    audited: bool,
) -> list[str]:
    changed = [f for f, v in fields.items() if getattr(collection, f) != v]
    if not changed:
        return []
    for field in changed:
        setattr(collection, field, fields[field])
    collection.save(update_fields=changed)
    if audited:
        log_entry(
            user=user, environment=environment, message=f"Collection {collection.name} modified"
        )
    return changed
