"""``/stats``: the totals and the Koji time per package and arch (refreshed by polling)."""

from __future__ import annotations

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from builds.models import ResourceConsumptionStats, ScalarStats
from packages.views.listing import page_or_404
from packages.views.scope import public_page

PER_PAGE = 20


@public_page
def stats(request: HttpRequest) -> HttpResponse:
    totals = ScalarStats.objects.order_by("-refresh_time").first()
    rows = ResourceConsumptionStats.objects.order_by(
        F("time").desc(nulls_last=True), "name", "arch"
    )
    page = page_or_404(rows, request.GET.get("page"), PER_PAGE)
    context = {"title": "Statistics", "totals": totals, "page": page}
    return render(request, "builds/stats.html", context)
