"""Who may change what from the web pages (DESIGN 12; spec 8.17's holes closed).

- Anyone reads every page.
- A logged-in user creates groups in their own namespace.
- A group's maintainers (and staff) edit or delete it.
- A package's maintainers, that is the maintainers of a group holding it (and staff), edit
  its tracking and scheduling settings; static priority stays with the operators' commands.
- Only staff cancel builds, edit collections and see the operator page.
"""

from __future__ import annotations

from typing import Any

from packages.models import Package, PackageGroup


def can_edit_group(user: Any, group: PackageGroup) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or group.maintainers.filter(pk=user.pk).exists())


def can_edit_collection(user: Any) -> bool:
    """Collections are the operators' (upstream's admin flag is ``is_staff``)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_edit_package(user: Any, package: Package) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return PackageGroup.objects.filter(members=package.base_id, maintainers=user).exists()


def editable_group_ids(user: Any) -> set[int]:
    """The groups ``user`` may edit, among all (staff: every group)."""
    if not user.is_authenticated:
        return set()
    groups = PackageGroup.objects.all()
    if not user.is_staff:
        groups = groups.filter(maintainers=user)
    return set(groups.values_list("pk", flat=True))
