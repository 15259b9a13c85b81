"""``/affected-by/<dep>``: packages that started failing when ``dep`` moved (spec 3.10)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from builds.models import Build
from packages.models import Package
from packages.views.listing import page_or_404
from packages.views.scope import public_page
from resolution.services.affected_by import EVR, affected_by, is_upgrade

USAGE = (
    "Give exactly one collection and both EVRs: ?collection=NAME&epoch1=N&version1=V"
    "&release1=R&epoch2=N&version2=V&release2=R (epochs are whole numbers)\n"
)


def _evr(request: HttpRequest, n: int) -> EVR | None:
    epoch, version, release = (
        request.GET.get(f"{key}{n}", "").strip() for key in ("epoch", "version", "release")
    )
    if not (epoch.isdigit() and version and release):
        return None
    return int(epoch), version, release


@public_page
def affected_by_page(request: HttpRequest, dep: str) -> HttpResponse:
    collection = request.scope.single  # type: ignore[attr-defined]
    low, high = _evr(request, 1), _evr(request, 2)
    if collection is None or low is None or high is None:
        return HttpResponseBadRequest(USAGE)
    found = affected_by(collection=collection, name=dep, low=low, high=high)
    page = page_or_404(found, request.GET.get("page"))
    shown = list(page.object_list)
    packages = Package.objects.in_bulk([row.package_id for row in shown])
    builds = Build.objects.in_bulk([row.build_id for row in shown])
    rows = [(packages[r.package_id], builds[r.build_id], r.distance) for r in shown]
    return render(
        request,
        "resolution/affected_by.html",
        {
            "title": f"Packages affected by {dep}",
            "dep": dep,
            "low": low,
            "high": high,
            "direction": "upgrade" if is_upgrade(low, high) else "downgrade",
            "rows": rows,
            "page": page,
            "collection": collection,
        },
    )
