"""``/collections`` (collections by group) and ``/collection/<name>`` (one collection)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from packages.models import CollectionGroup
from packages.views.scope import public_page


@public_page
def collection_list(request: HttpRequest) -> HttpResponse:
    """Each collection group with its collections, then the collections in no group."""
    collections = request.scope.collections  # type: ignore[attr-defined]
    sections = []
    grouped: set[int] = set()
    for group in CollectionGroup.objects.order_by("name").prefetch_related("collections"):
        members = {c.pk for c in group.collections.all()}
        shown = [c for c in collections if c.pk in members]
        grouped |= members
        sections.append((group.display_name, shown))
    rest = [c for c in collections if c.pk not in grouped]
    if rest:
        sections.append(("Uncategorized", rest))
    return render(request, "packages/collection_list.html", {"sections": sections})


@public_page
def collection_detail(request: HttpRequest, name: str) -> HttpResponse:
    by_name = {c.name: c for c in request.scope.collections}  # type: ignore[attr-defined]
    collection = by_name.get(name)
    if collection is None:
        raise Http404(f"Unknown collection: {name}")
    return render(request, "packages/collection_detail.html", {"collection": collection})
