"""Tracking and the per-package scheduler settings, each change audited (spec 5.4)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction

from koschei_site.errors import ServiceError
from packages.models import Collection, LogEntry, Package, PackageGroup
from packages.services.audit import AnyUser
from packages.services.validation import check_integer
from packages.signals import send_dependency_changes_obsolete

EDITABLE_ATTRIBUTES = frozenset(
    {"tracked", "manual_priority", "static_priority", "arch_override", "skip_resolution"}
)
ARCH_SPLIT = re.compile(r"[ \t\n\r,]+")
CHUNK = 500

Progress = Callable[[int], None]


def normalize_arch_override(value: str | Sequence[str] | None) -> str | None:
    """Validate an arch override; returns it space-joined, or None when empty.

    Every item is ``ARCH`` or ``^ARCH`` with ARCH in koji_config.build_arches.
    """
    if value is None:
        return None
    items = ARCH_SPLIT.split(value) if isinstance(value, str) else list(value)
    items = [item for item in items if item]
    allowed = set(settings.KOSCHEI["koji_config"]["build_arches"])
    for item in items:
        if item.removeprefix("^") not in allowed:
            raise ServiceError(f"Unrecognized arch in arch_override: {item}")
    return " ".join(items) or None


def _clean(attr: str, value: Any) -> Any:
    if attr not in EDITABLE_ATTRIBUTES:
        raise ServiceError(f"Unknown package attribute: {attr}")
    if attr == "arch_override":
        return normalize_arch_override(value)
    if attr in {"tracked", "skip_resolution"}:
        if not isinstance(value, bool):
            raise ServiceError(f"{attr} must be true or false")
        return value
    return check_integer(attr, value)


def _message(package: Package, attr: str, old: Any, new: Any) -> str:
    return (
        f"Package {package.name} (collection {package.collection.name}): "
        f"{attr} set from {old} to {new}"
    )


@transaction.atomic
def set_package_attribute(
    *, package: Package, attr: str, value: Any, user: AnyUser, environment: str
) -> bool:
    """Set one scheduler attribute of a package; returns whether it changed.

    Turning skip_resolution on forgets the resolution result and pending changes.
    """
    return bool(
        set_attribute_bulk(
            packages=[package], attr=attr, value=value, user=user, environment=environment
        )
    )


@transaction.atomic
def set_attribute_bulk(
    *,
    packages: Iterable[Package],
    attr: str,
    value: Any,
    user: AnyUser,
    environment: str,
    progress: Progress | None = None,
) -> list[Package]:
    """Set one attribute on many packages in bulk; returns the packages that changed."""
    value = _clean(attr, value)
    user_id = user.pk if user is not None and user.is_authenticated else None
    changed: list[Package] = []
    batch: list[Package] = list(packages)
    for start in range(0, len(batch), CHUNK):
        chunk = [p for p in batch[start : start + CHUNK] if getattr(p, attr) != value]
        entries = [
            LogEntry(
                user_id=user_id,
                environment=environment,
                base_id=p.base_id,
                message=_message(p, attr, getattr(p, attr), value),
            )
            for p in chunk
        ]
        ids = [p.pk for p in chunk]
        updates: dict[str, Any] = {attr: value}
        if attr == "skip_resolution" and value:
            updates["resolved"] = None
            send_dependency_changes_obsolete(ids)
        Package.objects.filter(pk__in=ids).update(**updates)
        LogEntry.objects.bulk_create(entries)
        for package in chunk:
            for field, new in updates.items():
                setattr(package, field, new)
        changed.extend(chunk)
        if progress:
            progress(len(batch[start : start + CHUNK]))
    return changed


def find_packages(
    *, collection: Collection, names: Iterable[str], error: str = "Packages don't exist"
) -> list[Package]:
    """The packages of ``collection`` with these names; all must exist."""
    wanted = list(dict.fromkeys(names))
    found = list(
        Package.objects.filter(collection=collection, name__in=wanted).select_related("collection")
    )
    missing = sorted(set(wanted) - {p.name for p in found})
    if missing:
        raise ServiceError(f"{error}: {', '.join(missing)}")
    return found


def find_group_packages(*, group: PackageGroup, collection: Collection) -> list[Package]:
    """The packages of ``collection`` whose base packages are members of ``group``."""
    return list(
        Package.objects.filter(collection=collection, base__groups=group)
        .select_related("collection")
        .order_by("name")
    )


@transaction.atomic
def track_packages(
    *,
    collection: Collection,
    names: Iterable[str],
    user: AnyUser,
    environment: str,
    progress: Progress | None = None,
) -> list[Package]:
    """Track the named packages of a collection; returns those newly tracked.

    Every name must exist in the collection, otherwise nothing changes.
    """
    packages = find_packages(collection=collection, names=names)
    return set_attribute_bulk(
        packages=packages,
        attr="tracked",
        value=True,
        user=user,
        environment=environment,
        progress=progress,
    )


@transaction.atomic
def set_priority(
    *,
    collection: Collection,
    names: Iterable[str],
    value: int,
    static: bool,
    user: AnyUser,
    environment: str,
) -> list[Package]:
    """Set manual (or static) priority of the named packages; all must exist."""
    packages = find_packages(collection=collection, names=names, error="Packages not found")
    attr = "static_priority" if static else "manual_priority"
    return set_attribute_bulk(
        packages=packages, attr=attr, value=value, user=user, environment=environment
    )


@transaction.atomic
def set_arch_override(
    *, packages: Iterable[Package], value: str | None, user: AnyUser, environment: str
) -> list[Package]:
    """Set the arch override of packages; an empty value clears it."""
    return set_attribute_bulk(
        packages=packages,
        attr="arch_override",
        value=value or None,
        user=user,
        environment=environment,
    )


@transaction.atomic
def track_group(
    *, group: PackageGroup, user: AnyUser, environment: str, progress: Progress | None = None
) -> list[Package]:
    """Track every package of the group's members in every collection."""
    packages = Package.objects.filter(base__groups=group).select_related("collection")
    return set_attribute_bulk(
        packages=packages,
        attr="tracked",
        value=True,
        user=user,
        environment=environment,
        progress=progress,
    )
