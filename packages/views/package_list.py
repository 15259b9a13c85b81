"""Pages that show the package list: ``/``, ``/packages`` and ``/search``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import resolve, reverse

from packages.views.listing import ListFilter, package_listing
from packages.views.scope import public_page


def render_listing(
    request: HttpRequest, template: str, context: dict[str, Any], **restriction: Any
) -> HttpResponse:
    """Render ``template`` with the list of the request's scope (narrowed by ``restriction``)."""
    scope = request.scope  # type: ignore[attr-defined]
    filters = ListFilter.from_query(request.GET, **restriction)
    listing = package_listing(
        collections=scope.current,
        filters=filters,
        order=request.GET.get("order_by", ""),
        page=request.GET.get("page"),
        user=request.user,
    )
    return render(request, template, {**context, "listing": listing, "filters": filters})


@public_page
def package_list(request: HttpRequest) -> HttpResponse:
    return render_listing(request, "packages/package_list.html", {"title": "Package summary"})


@public_page
def search(request: HttpRequest) -> HttpResponse:
    if not request.GET.get("q", "").strip():
        return redirect("frontpage")
    title = f"Search results for \u201c{request.GET['q'].strip()}\u201d"
    return render_listing(request, "packages/package_list.html", {"title": title})


def frontpage(request: HttpRequest) -> HttpResponse:
    """The view named by ``frontend.frontpage`` (default: the package list)."""
    frontend = settings.KOSCHEI["frontend"]
    name = frontend.get("frontpage") or "package_list"
    match = resolve(reverse(name, kwargs=frontend.get("frontpage_kwargs") or None))
    return match.func(request, *match.args, **match.kwargs)
