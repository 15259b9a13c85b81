"""``/api/v1/builds/<id>``: a build and its Koji tasks (times as the packages API gives them)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from builds.models import Build
from packages.api.views import iso


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
