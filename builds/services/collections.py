"""Collections on a Koji target: reading the target, creating a collection, changing what
Koji decides for it (target, tags, mode).

Koji is read first (``read_target``, ``read_new_target``), outside any transaction; the
writers take what was read and never call Koji.  ``new_collection`` is the one way a
collection row comes to be: create, branch and fork all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from builds import koji
from builds.koji import KojiSessions
from koschei_site.errors import ServiceError
from packages.models import Collection
from packages.services import edit_collection_settings, log_entry
from packages.services.audit import AnyUser
from packages.services.collections import check_settings
from packages.services.validation import check_name


@dataclass(frozen=True)
class KojiTarget:
    """A Koji build target and its tags, read from the primary or the secondary Koji."""

    name: str
    build_tag: str
    dest_tag: str
    secondary_mode: bool

    def fields(self, *, dest_tag: str | None) -> dict[str, Any]:
        """A collection's Koji fields on this target; its dest tag defaults to the build tag
        (upstream's default), not to Koji's dest tag."""
        return {
            "target": self.name,
            "build_tag": self.build_tag,
            "dest_tag": dest_tag or self.build_tag,
            "secondary_mode": self.secondary_mode,
        }


def read_target(*, sessions: KojiSessions, name: str, secondary_mode: bool) -> KojiTarget:
    """The Koji target ``name``; ServiceError when Koji lacks it.  Calls Koji."""
    check_name("target", name)
    info = koji.get_build_target(sessions.for_reading(secondary_mode=secondary_mode), name)
    if not info:
        raise ServiceError("Target not found in Koji")
    return KojiTarget(name, info["build_tag_name"], info["dest_tag_name"], secondary_mode)


def read_new_target(
    *,
    collection: Collection,
    sessions: KojiSessions,
    name: str | None = None,
    secondary_mode: bool | None = None,
) -> KojiTarget | None:
    """The target an edit moves ``collection`` to (a new target name, or the same target
    read in another mode); None when neither changes.  Calls Koji."""
    mode = collection.secondary_mode if secondary_mode is None else secondary_mode
    if name is None and mode == collection.secondary_mode:
        return None
    return read_target(sessions=sessions, name=name or collection.target, secondary_mode=mode)


def read_tag(*, sessions: KojiSessions, name: str, secondary_mode: bool) -> str:
    """``name`` when Koji has a tag of that name (e.g. a ``--dest-tag``); ServiceError
    otherwise.  Calls Koji."""
    check_name("tag", name)
    if not koji.get_tag(sessions.for_reading(secondary_mode=secondary_mode), name):
        raise ServiceError(f"Tag not found in Koji: {name}")
    return name


def new_collection(
    *,
    name: str,
    target: KojiTarget,
    dest_tag: str | None,
    settings: dict[str, Any],
) -> Collection:
    """Insert a collection on ``target`` with ``settings`` (some of ``Collection.SETTINGS``,
    ``display_name`` among them); ServiceError when the name is taken.  Not audited."""
    check_name("collection name", name)
    check_settings(settings)
    if not settings.get("display_name"):
        raise ServiceError("display_name must not be empty")
    if Collection.objects.filter(name=name).exists():
        raise ServiceError("Object already exists")
    return Collection.objects.create(name=name, **target.fields(dest_tag=dest_tag), **settings)


@transaction.atomic
def create_collection(
    *,
    name: str,
    target: KojiTarget,
    user: AnyUser,
    environment: str,
    dest_tag: str | None = None,
    **settings: Any,
) -> Collection:
    """Create a collection on a target read from Koji; audited as "Collection X created"."""
    collection = new_collection(name=name, target=target, dest_tag=dest_tag, settings=settings)
    log_entry(user=user, environment=environment, message=f"Collection {name} created")
    return collection


@transaction.atomic
def edit_collection(
    *,
    collection: Collection,
    user: AnyUser,
    environment: str,
    new_name: str | None = None,
    target: KojiTarget | None = None,
    dest_tag: str | None = None,
    **settings: Any,
) -> list[str]:
    """Change a collection: settings, name, and the Koji fields of a ``target`` read by
    ``read_new_target``.  Returns the fields that changed; audited once as
    "Collection X modified"."""
    settings = {k: v for k, v in settings.items() if v is not None}
    check_settings(settings)
    koji_fields: dict[str, Any] = {}
    if target is not None:
        koji_fields = target.fields(dest_tag=dest_tag or collection.dest_tag)
    elif dest_tag:
        koji_fields["dest_tag"] = dest_tag
    if new_name and new_name != collection.name:
        check_name("collection name", new_name)
        if Collection.objects.filter(name=new_name).exists():
            raise ServiceError("Object already exists")
        koji_fields["name"] = new_name
    changed = edit_collection_settings(
        collection=collection, changes=settings, user=user, environment=environment
    )
    changed += _set_fields(
        collection, koji_fields, user=user, environment=environment, audited=not changed
    )
    return changed


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
