"""Keeping a collection's package list in step with Koji's (spec section 3.7)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction

from builds import koji
from builds.koji import KojiSessions
from packages.models import BasePackage, Collection, Package

logger = logging.getLogger(__name__)


@dataclass
class PackageListChanges:
    """What one refresh changed in a collection, by package name."""

    added: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    unblocked: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.added)} new, {len(self.blocked)} blocked, {len(self.unblocked)} unblocked"
        )


def refresh_packages(*, collection: Collection, sessions: KojiSessions) -> PackageListChanges:
    """Add packages new in Koji's dest tag and block or unblock the others.

    Packages missing from Koji or blocked there become blocked; new packages start
    untracked.  Idempotent: a second run with the same Koji data changes nothing.
    Koji is read before the transaction starts.
    """
    session = sessions.reading(collection)
    koji_blocked = {
        p["package_name"]: bool(p["blocked"])
        for p in koji.list_packages(session, collection.dest_tag)
    }
    with transaction.atomic():
        changes = _apply(collection, koji_blocked)
    logger.info("refresh_packages %s: %s", collection.name, changes)
    return changes


def _apply(collection: Collection, koji_blocked: dict[str, bool]) -> PackageListChanges:
    existing = dict(Package.objects.filter(collection=collection).values_list("name", "blocked"))
    should_block = {
        name
        for name, blocked in existing.items()
        if blocked is False and koji_blocked.get(name, True)
    }
    should_unblock = {
        name
        for name, blocked in existing.items()
        if blocked is True and koji_blocked.get(name) is False
    }
    Package.objects.filter(collection=collection, name__in=should_block).update(blocked=True)
    Package.objects.filter(collection=collection, name__in=should_unblock).update(blocked=False)
    new_names = sorted(set(koji_blocked) - set(existing))
    BasePackage.objects.bulk_create(
        [BasePackage(name=name) for name in new_names], ignore_conflicts=True, batch_size=2000
    )
    bases = dict(BasePackage.objects.filter(name__in=new_names).values_list("name", "id"))
    Package.objects.bulk_create(
        [
            Package(
                base_id=bases[name], name=name, collection=collection, blocked=koji_blocked[name]
            )
            for name in new_names
        ],
        batch_size=2000,
        ignore_conflicts=True,  # a concurrent refresh may have added the same name
    )
    return PackageListChanges(new_names, sorted(should_block), sorted(should_unblock))
