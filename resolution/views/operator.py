"""``/operator``: the service's health for staff, from the data ``koschei-status`` prints."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from packages.views.scope import public_page
from resolution.services.health import service_health


@public_page
@login_required
def operator_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("The operator page is for operators.")
    health = service_health(now=timezone.now())
    return render(request, "resolution/operator.html", {"title": "Operator", "health": health})
