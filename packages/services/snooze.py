"""Snoozing packages and package groups until a date (DESIGN 13.3, not upstream).

The scheduler submits nothing for a snoozed package, nor for the packages of a snoozed
group's members in any collection (``PackageQuerySet.unheld``).  A snooze that has run
out holds nothing even before :func:`clear_expired_snoozes` (called by every scheduler
decision) clears it.  Every change is audited like the other package settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from koschei_site.errors import ServiceError
from packages.models import LogEntry, Package, PackageGroup
from packages.services.audit import AnyUser
from packages.states import LogEnvironment


def parse_until(text: str, *, now: datetime | None = None) -> datetime:
    """A snooze's end from ``YYYY-MM-DD`` or ``YYYY-MM-DD[T ]HH:MM[:SS][+HH:MM]`` (UTC
    unless it says otherwise); it must lie in the future."""
    try:
        until = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ServiceError(
            f"Invalid date: {text!r} (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        ) from None
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    return check_until(until, now=now)


def check_until(until: datetime, *, now: datetime | None = None) -> datetime:
    """``until`` as aware UTC, refused unless it is in the future."""
    if until.tzinfo is None:
        raise ServiceError("A snooze's end needs a time zone")
    until = until.astimezone(UTC)
    if until <= (now or timezone.now()):
        raise ServiceError(f"Snooze end {format_time(until)} is not in the future")
    return until


def format_time(value: datetime | None) -> str:
    return "None" if value is None else f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _package_message(package: Package, old: datetime | None, new: datetime | None) -> str:
    return (
        f"Package {package.name} (collection {package.collection.name}): "
        f"snoozed_until set from {format_time(old)} to {format_time(new)}"
    )


def _group_message(group: PackageGroup, new: datetime | None) -> str:
    change = f"snoozed until {format_time(new)}" if new else "snooze cleared"
    return f"Group {group.full_name} modified: {change}"


def _user_id(user: AnyUser) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


@transaction.atomic
def snooze_packages(
    *, packages: Iterable[Package], until: datetime | None, user: AnyUser, environment: str
) -> list[Package]:
    """Snooze packages until ``until`` (None wakes them); returns those that changed."""
    if until is not None:
        until = check_until(until)
    changed = [p for p in packages if p.snoozed_until != until]
    LogEntry.objects.bulk_create(
        LogEntry(
            user_id=_user_id(user),
            environment=environment,
            base_id=p.base_id,
            message=_package_message(p, p.snoozed_until, until),
        )
        for p in changed
    )
    Package.objects.filter(pk__in=[p.pk for p in changed]).update(snoozed_until=until)
    for package in changed:
        package.snoozed_until = until
    return changed


@transaction.atomic
def snooze_group(
    *, group: PackageGroup, until: datetime | None, user: AnyUser, environment: str
) -> bool:
    """Snooze every package of a group's members until ``until`` (None: wake them);
    returns whether the group's snooze changed."""
    if until is not None:
        until = check_until(until)
    if group.snoozed_until == until:
        return False
    PackageGroup.objects.filter(pk=group.pk).update(snoozed_until=until)
    group.snoozed_until = until
    LogEntry.objects.create(
        user_id=_user_id(user), environment=environment, message=_group_message(group, until)
    )
    return True


@transaction.atomic
def clear_expired_snoozes(*, now: datetime | None = None) -> int:
    """Clear the snoozes that have run out (audited as the backend); returns how many."""
    now = now or timezone.now()
    packages = list(
        Package.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(snoozed_until__lte=now)
        .select_related("collection")
    )
    groups = list(
        PackageGroup.objects.select_for_update(skip_locked=True).filter(snoozed_until__lte=now)
    )
    entries = [
        LogEntry(
            environment=LogEnvironment.BACKEND,
            base_id=p.base_id,
            message=_package_message(p, p.snoozed_until, None),
        )
        for p in packages
    ]
    entries += [
        LogEntry(environment=LogEnvironment.BACKEND, message=_group_message(g, None))
        for g in groups
    ]
    LogEntry.objects.bulk_create(entries)
    Package.objects.filter(pk__in=[p.pk for p in packages]).update(snoozed_until=None)
    PackageGroup.objects.filter(pk__in=[g.pk for g in groups]).update(snoozed_until=None)
    return len(entries)
