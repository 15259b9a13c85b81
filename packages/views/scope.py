"""Which collections a public page shows: the ``collection`` query argument (spec 2.2).

``?collection=f43,f42`` names the current collections (only the argument's first occurrence
counts); without it every collection is current.  An unknown name is a 404 on every page, the
API included.  With no collection at all the pages have nothing to show, so they answer 503
with a one-line explanation for the operator instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from packages.models import Collection

NO_COLLECTIONS = (
    "No collections are set up yet: an operator adds one with "
    "'manage.py create-collection' (see the documentation)."
)


@dataclass(frozen=True)
class Scope:
    """All collections (highest order first) and the current ones among them."""

    collections: list[Collection]
    current: list[Collection]
    named: bool  # whether ``?collection=`` chose them

    @property
    def single(self) -> Collection | None:
        """The current collection when there is exactly one."""
        return self.current[0] if len(self.current) == 1 else None

    @property
    def query(self) -> str:
        """The ``collection`` argument that keeps this scope in links ("" when all)."""
        return ",".join(c.name for c in self.current) if self.named else ""


def read_scope(request: HttpRequest) -> Scope | None:
    """The request's scope; None when there are no collections; Http404 for unknown names."""
    collections = list(Collection.objects.order_by("-order", "-name"))
    if not collections:
        return None
    argument = request.GET.get("collection", "")
    if not argument:
        return Scope(collections=collections, current=collections, named=False)
    by_name = {c.name: c for c in collections}
    names = [name for name in (part.strip() for part in argument.split(",")) if name]
    unknown = [name for name in names if name not in by_name]
    if unknown or not names:
        raise Http404(f"Unknown collection: {', '.join(unknown) or argument}")
    chosen = set(names)
    current = [c for c in collections if c.name in chosen]
    return Scope(collections=collections, current=current, named=True)


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give ``view`` the request's scope as ``request.scope`` (see the module docstring)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scope = read_scope(request)
        if scope is None:
            return render(request, "no_collections.html", {"message": NO_COLLECTIONS}, status=503)
        request.scope = scope  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
