"""``/api/v1/packages``, ``/api/v1/packages/<name>`` and ``/api/v1/collections/diff/<c1>/<c2>``.

Shapes are upstream's: times in ISO 8601, UTC, without a zone.  The package list holds every
package of the distribution, so it is streamed from the database in batches rather than
built in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from packages.models import Collection, Package

BATCH = 2000


def iso(moment: datetime | None) -> str | None:
    """Upstream's time format: ISO 8601 in UTC, no zone."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() if moment else None


def _collections(request: HttpRequest) -> list[Collection] | None:
    """The collections named by ``collection=`` arguments (repeated or comma lists)."""
    names = [n.strip() for arg in request.GET.getlist("collection") for n in arg.split(",")]
    names = [n for n in names if n]
    if not names:
        return None
    found = list(Collection.objects.filter(name__in=names))
    unknown = sorted(set(names) - {c.name for c in found})
    if unknown:
        raise Http404(f"Unknown collection: {', '.join(unknown)}")
    return found


def _last_build(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["last_complete_build__task_id"] is None:
        return None
    return {
        "task_id": row["last_complete_build__task_id"],
        "time_started": iso(row["last_complete_build__started"]),
        "time_finished": iso(row["last_complete_build__finished"]),
        "epoch": row["last_complete_build__epoch"],
        "version": row["last_complete_build__version"],
        "release": row["last_complete_build__release"],
    }


FIELDS = (
    "name",
    "collection__name",
    "state",
    "last_complete_build__task_id",
    "last_complete_build__started",
    "last_complete_build__finished",
    "last_complete_build__epoch",
    "last_complete_build__version",
    "last_complete_build__release",
)


def _package(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": row["name"],
        "collection": row["collection__name"],
        "state": row["state"],
        "last_complete_build": _last_build(row),
    }


@csrf_exempt  # read-only: any other method is a 405, never a CSRF 403
@require_GET
def package_list(request: HttpRequest) -> StreamingHttpResponse:
    """Every package (blocked and untracked included) by name; ``name=`` and
    ``collection=`` (each repeatable) narrow the list."""
    packages = Package.objects.with_state()
    collections = _collections(request)
    if collections is not None:
        packages = packages.filter(collection__in=collections)
    if names := request.GET.getlist("name"):
        packages = packages.filter(name__in=names)
    rows = packages.order_by("name", "collection__name").values(*FIELDS)

    def chunks() -> Iterator[str]:
        yield "["
        for number, row in enumerate(rows.iterator(chunk_size=BATCH)):
            yield ("," if number else "") + json.dumps(_package(row))
        yield "]"

    return StreamingHttpResponse(chunks(), content_type="application/json")


@csrf_exempt  # read-only: any other method is a 405, never a CSRF 403
@require_GET
def package_detail(request: HttpRequest, name: str) -> JsonResponse:
    """One package in every collection (or the named ones), with its scheduling inputs."""
    packages = Package.objects.with_state().with_priority().filter(name=name)
    collections = _collections(request)
    if collections is not None:
        packages = packages.filter(collection__in=collections)
    rows = list(
        packages.order_by("-collection__order", "collection__name").values(
            *FIELDS,
            "tracked",
            "blocked",
            "resolved",
            "skip_resolution",
            "arch_override",
            "manual_priority",
            "static_priority",
            "current_priority",
            "last_build__task_id",
            "last_build__state",
        )
    )
    if not rows:
        raise Http404(f"Unknown package: {name}")
    result = []
    for row in rows:
        item = _package(row)
        item.update(
            {key: row[key] for key in ("tracked", "blocked", "resolved", "skip_resolution")},
            arch_override=row["arch_override"].split() if row["arch_override"] else [],
            manual_priority=row["manual_priority"],
            static_priority=row["static_priority"],
            current_priority=row["current_priority"],
            running=row["last_build__task_id"] is not None
            and row["last_build__task_id"] != row["last_complete_build__task_id"],
        )
        result.append(item)
    return JsonResponse(result, safe=False)


@csrf_exempt  # read-only: any other method is a 405, never a CSRF 403
@require_GET
def collection_diff(request: HttpRequest, first: str, second: str) -> JsonResponse:
    """Base packages in both collections whose states differ, by name."""
    found = {c.name: c for c in Collection.objects.filter(name__in=[first, second])}
    for name in (first, second):
        if name not in found:
            raise Http404(f"Unknown collection: {name}")
    states: dict[str, dict[int, str]] = {}
    rows = Package.objects.with_state().filter(collection__in=found.values())
    for base, collection_id, state in rows.values_list("name", "collection_id", "state"):
        states.setdefault(base, {})[collection_id] = state
    a, b = found[first].pk, found[second].pk
    diff = [
        {"name": name, "state": {first: by[a], second: by[b]}}
        for name, by in sorted(states.items())
        if a in by and b in by and by[a] != by[b]
    ]
    return JsonResponse(diff, safe=False)
