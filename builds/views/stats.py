"""``/stats``: the totals and the Koji time per package and arch (refreshed by polling)."""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from builds.models import ResourceConsumptionStats, ScalarStats
from packages.views.scope import public_page

PER_PAGE = 20


@public_page
def stats(request: HttpRequest) -> HttpResponse:
    totals = ScalarStats.objects.order_by("-refresh_time").first()
    rows = ResourceConsumptionStats.objects.order_by(
        F("time").desc(nulls_last=True), "name", "arch"
    )
    try:
        page = Paginator(rows, PER_PAGE).page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404(f"No such page: {request.GET.get('page')}") from exc
    context = {"title": "Statistics", "totals": totals, "page": page}
    return render(request, "builds/stats.html", context)
