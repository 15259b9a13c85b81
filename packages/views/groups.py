"""``/groups`` and a group's page, ``/groups/<name>`` or ``/groups/<namespace>/<name>``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from packages.models import PackageGroup
from packages.permissions import can_edit_group
from packages.views.listing import find_group
from packages.views.package_list import render_listing
from packages.views.scope import public_page


@public_page
def group_list(request: HttpRequest) -> HttpResponse:
    """Global groups; a logged-in user also sees the groups they maintain."""
    groups = PackageGroup.objects.with_package_count()
    mine = None
    if request.user.is_authenticated:
        mine = groups.filter(maintainers=request.user).order_by("namespace", "name")
    return render(
        request,
        "packages/group_list.html",
        {"global_groups": groups.filter(namespace__isnull=True).order_by("name"), "mine": mine},
    )


@public_page
def group_detail(request: HttpRequest, full_name: str) -> HttpResponse:
    group = find_group(full_name)
    maintainers = group.maintainers.order_by("username")
    context = {
        "group": group,
        "maintainers": maintainers,
        "title": f"Group {group.full_name}",
        "can_edit": can_edit_group(request.user, group),
    }
    return render_listing(request, "packages/group_detail.html", context, group=group)
