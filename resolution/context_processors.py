"""Every public page warns about the current collections whose base buildroot is broken."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from resolution.models import BuildrootProblem


def buildroot_notices(request: HttpRequest) -> dict[str, Any]:
    """[(collection, [problem texts])] for current collections whose buildroot does not install."""
    scope = getattr(request, "scope", None)
    if scope is None:
        return {}
    broken = [c for c in scope.current if c.latest_repo_resolved is False]
    if not broken:
        return {"buildroot_notices": []}
    problems: dict[int, list[str]] = {c.pk: [] for c in broken}
    for collection_id, text in BuildrootProblem.objects.filter(collection__in=broken).values_list(
        "collection_id", "problem"
    ):
        problems[collection_id].append(text)
    return {"buildroot_notices": [(c, problems[c.pk]) for c in broken]}
