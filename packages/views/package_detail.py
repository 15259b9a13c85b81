"""``/package/<name>``: a package in one collection (spec 2.2, "Package detail page").

The page shows what the packages app knows (state, scheduling inputs, groups, the package in
the other collections, external links); the history of builds and resolution changes and the
pending dependency changes come from the resolution app's template tags, so this view does
not import the apps above it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from packages.models import Package, PackageGroup
from packages.permissions import can_edit_package, editable_group_ids
from packages.views.listing import visible_groups
from packages.views.scope import public_page


def external_links(package: Package) -> list[tuple[str, str]]:
    """The configured ``links`` (spec 4), formatted for ``package``."""
    return [
        (link["name"], link["url"].format(package=package))
        for link in settings.KOSCHEI.get("links", [])
    ]


@public_page
def package_detail(request: HttpRequest, name: str) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    before = request.GET.get("last_seen_ts")
    if before is not None and not before.isdigit():
        return HttpResponseBadRequest("last_seen_ts must be a whole number of seconds\n")
    packages = list(
        Package.objects.filter(name=name)
        .with_priority()
        .select_related("collection", "last_build", "last_complete_build", "base")
    )
    if not packages:
        raise Http404(f"Unknown package: {name}")
    current = {c.pk for c in scope.current}
    package = next((p for p in _by_order(packages, scope) if p.collection_id in current), None)
    if package is None:
        raise Http404(f"{name} is not in {', '.join(c.name for c in scope.current)}")
    return render(
        request,
        "packages/package_detail.html",
        {
            "title": f"{package.name} in {package.collection.display_name}",
            "package": package,
            "others": _by_order(packages, scope),
            "groups": _group_rows(request.user, package),
            "can_edit": can_edit_package(request.user, package),
            "build_arches": settings.KOSCHEI["koji_config"]["build_arches"],
            "links": external_links(package),
            "before": int(before) if before else None,
        },
    )


def _group_rows(user: object, package: Package) -> list[tuple[PackageGroup, bool, bool]]:
    """(group, package is a member, user may edit it): the visible groups holding the
    package, then the groups the user may edit that do not hold it."""
    editable = editable_group_ids(user)
    holding = list(visible_groups(user).filter(members=package.base))  # type: ignore[arg-type]
    rows = [(group, True, group.pk in editable) for group in holding]
    others = PackageGroup.objects.filter(pk__in=editable - {g.pk for g in holding})
    rows += [(group, False, True) for group in others.order_by("namespace", "name")]
    return rows


def _by_order(packages: list[Package], scope: object) -> list[Package]:
    """The packages in the order of their collections (highest order first)."""
    rank = {c.pk: i for i, c in enumerate(scope.collections)}  # type: ignore[attr-defined]
    return sorted(packages, key=lambda p: rank.get(p.collection_id, len(rank)))
