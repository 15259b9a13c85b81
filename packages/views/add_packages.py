"""``/add-packages``: a logged-in user starts tracking packages of a collection, and may
add them to a group they maintain (spec 2.2 "Add packages")."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from koschei_site.errors import ServiceError
from koschei_site.views import safe_next
from packages.models import Collection
from packages.permissions import can_edit_group
from packages.services import track_packages
from packages.services.groups import set_group_content
from packages.states import LogEnvironment
from packages.views.group_forms import name_list
from packages.views.listing import find_group
from packages.views.scope import public_page

WEB = LogEnvironment.FRONTEND
GROUP_RE = re.compile(r"([a-zA-Z0-9.+_-]+(/[a-zA-Z0-9.+_-]+)?)?")


@public_page
@login_required
@require_http_methods(["GET", "POST"])
def add_packages(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    form: dict[str, Any] = {"collection": scope.current[0].name, "packages": "", "group": ""}
    if request.method == "POST":
        form = request.POST.dict()
        collection = Collection.objects.filter(name=form.get("collection", "")).first()
        if collection is None:
            raise Http404(f"Unknown collection: {form.get('collection', '')}")
        group_name = form.get("group", "").strip()
        if not GROUP_RE.fullmatch(group_name):
            messages.error(request, "Invalid group name")
            return _form(request, form)
        group = find_group(group_name) if group_name else None
        if group is not None and not can_edit_group(request.user, group):
            raise PermissionDenied("You don't have permission to edit that group")
        try:
            names = name_list(request.POST, "packages")
            if not names:
                raise ServiceError("No packages given")
            with transaction.atomic():
                added = track_packages(
                    collection=collection, names=names, user=request.user, environment=WEB
                )
                if group is not None:
                    set_group_content(
                        group=group, names=names, append=True, user=request.user, environment=WEB
                    )
        except ServiceError as exc:
            hint = " (a package new in Koji appears here after the next package list refresh)"
            messages.error(request, f"{exc}{hint if 'exist' in str(exc) else ''}")
            return _form(request, form)
        messages.success(request, f"Packages added: {', '.join(p.name for p in added) or 'none'}")
        return redirect(safe_next(request))
    return _form(request, form)


def _form(request: HttpRequest, form: dict[str, Any]) -> HttpResponse:
    return render(request, "packages/add_packages.html", {"title": "Add packages", "form": form})
