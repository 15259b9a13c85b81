"""``POST /package/<name>/edit``: a maintainer changes a package's settings and groups.

Fields (spec 2.2): ``collection_id``; ``tracked`` and ``skip_resolution`` checkboxes that
count only with ``<field>__present``; ``manual_priority``; ``arch_override``; and for each
group shown, ``group-prev-<id>`` (``true``/``false``) with ``group-<id>`` when checked.
Everything is checked before anything is written, and written in one transaction.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from koschei_site.errors import ServiceError
from packages.models import Package, PackageGroup
from packages.permissions import can_edit_group, can_edit_package
from packages.services import set_package_attribute
from packages.services.groups import set_membership
from packages.services.tracking import normalize_arch_override
from packages.services.validation import check_integer
from packages.states import LogEnvironment

WEB = LogEnvironment.FRONTEND
INTEGER = re.compile(r"[+-]?[0-9]{1,12}")


SETTING_KEYS = ("tracked__present", "skip_resolution__present", "manual_priority", "arch_override")


def _settings(form: Any) -> dict[str, Any]:
    """The package settings posted, validated (ServiceError on bad input)."""
    changes: dict[str, Any] = {}
    for flag in ("tracked", "skip_resolution"):
        if f"{flag}__present" in form:
            changes[flag] = flag in form
    priority = form.get("manual_priority", "").strip()
    if priority:
        if not INTEGER.fullmatch(priority):
            raise ServiceError("manual_priority must be an integer")
        changes["manual_priority"] = check_integer("manual_priority", int(priority))
    if "arch_override" in form:
        changes["arch_override"] = normalize_arch_override(form["arch_override"])
    return changes


def _group_changes(form: Any) -> list[tuple[PackageGroup, bool]]:
    """(group, now a member) for every group whose checkbox changed."""
    wanted: dict[int, bool] = {}
    for key, previous in form.items():
        if key.startswith("group-prev-"):
            try:
                group_id = int(key.removeprefix("group-prev-"))
            except ValueError:
                raise ServiceError(f"Bad field: {key}") from None
            checked = f"group-{group_id}" in form
            if checked != (previous == "true"):
                wanted[group_id] = checked
    groups = PackageGroup.objects.in_bulk(list(wanted))
    if len(groups) != len(wanted):
        raise ServiceError("Unknown group")
    return [(groups[group_id], member) for group_id, member in wanted.items()]


@require_POST
@login_required
def package_edit(request: HttpRequest, name: str) -> HttpResponse:
    collection_id = request.POST.get("collection_id", "")
    if not collection_id.isdigit():
        return HttpResponseBadRequest("collection_id is required\n")
    package = (
        Package.objects.filter(name=name, collection_id=int(collection_id))
        .select_related("collection", "base")
        .first()
    )
    if package is None:
        raise Http404(f"No package {name} in that collection")
    query = urlencode({"collection": package.collection.name})
    back = f"{reverse('package_detail', args=[name])}?{query}"
    if any(key in request.POST for key in SETTING_KEYS) and not can_edit_package(
        request.user, package
    ):
        raise PermissionDenied("Only the package's maintainers can change its settings.")
    try:
        changes = _settings(request.POST)
        groups = _group_changes(request.POST)
    except ServiceError as exc:
        messages.error(request, f"Validation errors: {exc}")
        return redirect(back)
    if any(not can_edit_group(request.user, group) for group, _ in groups):
        raise PermissionDenied("You don't have permission to edit that group.")
    try:
        with transaction.atomic():
            for attr, value in changes.items():
                set_package_attribute(
                    package=package, attr=attr, value=value, user=request.user, environment=WEB
                )
            for group, member in groups:
                set_membership(
                    group=group,
                    base=package.base,
                    member=member,
                    user=request.user,
                    environment=WEB,
                )
    except ServiceError as exc:
        messages.error(request, f"Validation errors: {exc}")
        return redirect(back)
    messages.success(request, "Package modified")
    return redirect(back)
