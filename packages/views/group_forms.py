"""Creating, editing and deleting package groups from the web (spec 2.2 "Group form").

A logged-in user creates groups in their own namespace; a group's maintainers (and staff)
edit and delete it, the form included (upstream showed the edit form to anyone).
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from koschei_site.errors import ServiceError
from packages.models import PackageGroup
from packages.permissions import can_edit_group
from packages.services.groups import (
    create_group,
    delete_group,
    edit_group,
    set_group_maintainers,
)
from packages.services.validation import NAME_RE
from packages.states import LogEnvironment
from packages.views.listing import find_group
from packages.views.scope import public_page

WEB = LogEnvironment.FRONTEND
SPLIT = re.compile(r"[\s,]+")
FIELD_MAX = 200_000  # characters of one list field (a group of thousands of packages)


def name_list(form: Any, field: str) -> list[str]:
    """The distinct names of a form field (separated by spaces, commas or lines)."""
    text = form.get(field, "")
    if len(text) > FIELD_MAX:
        raise ServiceError(f"Too long: {field}")
    return list(dict.fromkeys(name for name in SPLIT.split(text) if name))


def _read_form(form: Any) -> tuple[str, list[str], list[str]]:
    """(name, packages, owners), validated as upstream's form does."""
    name = form.get("name", "").strip()
    if not NAME_RE.fullmatch(name) or len(name) > 255:
        raise ServiceError("Invalid group name")
    packages = name_list(form, "packages")
    if not packages:
        raise ServiceError("Empty group not allowed")
    bad = [p for p in packages if not NAME_RE.fullmatch(p)]
    if bad:
        raise ServiceError(f"Invalid package names: {', '.join(bad[:10])}")
    owners = name_list(form, "owners")
    if not owners:
        raise ServiceError("Group must have an owner")
    return name, packages, owners


def _group_url(group: PackageGroup) -> str:
    return reverse("group_detail", args=[group.full_name])


@public_page
@login_required
@require_http_methods(["GET", "POST"])
def add_group(request: HttpRequest) -> HttpResponse:
    username = request.user.get_username()
    form: dict[str, Any] = {"name": "", "packages": "", "owners": username}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            if not NAME_RE.fullmatch(username):
                raise ServiceError(f"Your user name {username!r} cannot name a group namespace")
            name, packages, owners = _read_form(request.POST)
            group = create_group(
                full_name=f"{username}/{name}",
                user=request.user,
                environment=WEB,
                content=packages,
                maintainers=owners,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Group created")
            return redirect(_group_url(group))
    return render(request, "packages/group_form.html", {"title": "New group", "form": form})


@public_page
@login_required
@require_http_methods(["GET", "POST"])
def edit_group_page(request: HttpRequest, full_name: str) -> HttpResponse:
    group = find_group(full_name)
    if not can_edit_group(request.user, group):
        raise PermissionDenied("You don't have permission to edit this group")
    form: dict[str, Any] = {
        "name": group.name,
        "packages": "\n".join(group.members.order_by("name").values_list("name", flat=True)),
        "owners": " ".join(sorted(user.get_username() for user in group.maintainers.all())),
    }
    if request.method == "POST":
        form = request.POST.dict()
        try:
            name, packages, owners = _read_form(request.POST)
            with transaction.atomic():
                edit_group(
                    group=group,
                    user=request.user,
                    environment=WEB,
                    new_name=name,
                    content=packages,
                )
                set_group_maintainers(
                    group=group, usernames=owners, user=request.user, environment=WEB
                )
        except ServiceError as exc:
            group.refresh_from_db()
            messages.error(request, str(exc))
        else:
            messages.success(request, "Group modified")
            return redirect(_group_url(group))
    context = {"title": f"Edit group {group.full_name}", "form": form, "group": group}
    return render(request, "packages/group_form.html", context)


@public_page
@login_required
@require_http_methods(["GET", "POST"])
def delete_group_page(request: HttpRequest, full_name: str) -> HttpResponse:
    group = find_group(full_name)
    if not can_edit_group(request.user, group):
        raise PermissionDenied("You don't have permission to delete this group")
    if request.method == "POST":
        name = group.full_name
        delete_group(group=group, user=request.user, environment=WEB)
        messages.success(request, f"Group {name} deleted")
        return redirect("group_list")
    return render(
        request,
        "packages/group_delete.html",
        {"title": f"Delete group {group.full_name}", "group": group},
    )
