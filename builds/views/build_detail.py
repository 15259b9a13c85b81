"""``/build/<id>`` (a build, its Koji tasks and dependency changes) and its cancel button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from builds.models import Build
from builds.services.cancel import request_cancel
from koschei_site.errors import ServiceError
from packages.states import LogEnvironment
from packages.views.scope import public_page


@public_page
def build_detail(request: HttpRequest, build_id: int) -> HttpResponse:
    build = get_object_or_404(
        Build.objects.select_related("package__collection").prefetch_related("tasks"),
        pk=build_id,
    )
    return render(
        request,
        "builds/build_detail.html",
        {"title": f"Build of {build.package.name}", "build": build, "package": build.package},
    )


@require_POST
@login_required
def cancel_build(request: HttpRequest, build_id: int) -> HttpResponse:
    """Staff ask for a running build to be canceled; polling carries it out."""
    if not request.user.is_staff:
        raise PermissionDenied("Only operators can cancel builds.")
    build = get_object_or_404(Build.objects.select_related("package__collection"), pk=build_id)
    try:
        request_cancel(build=build, user=request.user, environment=LogEnvironment.FRONTEND)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Cancelation request sent.")
    package = build.package
    query = urlencode({"collection": package.collection.name})
    return redirect(f"{reverse('package_detail', args=[package.name])}?{query}")
