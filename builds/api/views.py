"""``/api/v1/builds/<id>``: a build and its Koji tasks (times as the packages API gives them)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from builds.koji import KojiSessions
from builds.models import Build
from builds.services.explain import explain
from packages.api.views import iso
from packages.models import Package


@csrf_exempt  # read-only: any other method is a 405, never a CSRF 403
@require_GET
def build_detail(request: HttpRequest, build_id: int) -> JsonResponse:
    build = get_object_or_404(
        Build.objects.select_related("package__collection").prefetch_related("tasks"),
        pk=build_id,
    )
    return JsonResponse(
        {
            "id": build.pk,
            "package": build.package.name,
            "collection": build.package.collection.name,
            "state": build.state_string,
            "task_id": build.task_id,
            "real": build.real,
            "time_started": iso(build.started),
            "time_finished": iso(build.finished),
            "epoch": build.epoch,
            "version": build.version,
            "release": build.release,
            "repo_id": build.repo_id,
            "deps_resolved": build.deps_resolved,
            "cancel_requested": build.cancel_requested,
            "tasks": [
                {
                    "task_id": task.task_id,
                    "arch": task.arch,
                    "state": task.state_string,
                    "time_started": iso(task.started),
                    "time_finished": iso(task.finished),
                }
                for task in build.tasks.all()
            ],
        }
    )


@csrf_exempt  # read-only: any other method is a 405, never a CSRF 403
@require_GET
def package_why(request: HttpRequest, name: str) -> JsonResponse:
    """Why and when will this build: priority terms, queue place, gates (``koji=1`` also
    asks Koji for the package's arches and load, as the scheduler does)."""
    collection = request.GET.get("collection", "")
    packages = Package.objects.filter(name=name).select_related("collection")
    if collection:
        packages = packages.filter(collection__name=collection)
    package = packages.order_by("-collection__order", "collection__name").first()
    if package is None:
        raise Http404(f"Unknown package: {name}")
    if request.GET.get("koji") == "1":
        sessions = KojiSessions.from_settings()
        try:
            return JsonResponse(explain(package, sessions=sessions).as_json())
        finally:
            sessions.close()
    return JsonResponse(explain(package).as_json())
