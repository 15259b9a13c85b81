"""Request hygiene shared by every page and the API."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

NUL = "\x00"


class RejectNulMiddleware:
    """Answer 400 to a request whose path or arguments hold a NUL character.

    PostgreSQL text cannot hold NUL, so such a value would otherwise reach a query and fail
    there as a server error; no name, search or form field of Koschei can contain one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path or _has_nul(request.GET) or _has_nul_body(request):
            return HttpResponseBadRequest("NUL characters are not allowed in requests.\n")
        return self.get_response(request)


def _has_nul(query: object) -> bool:
    return any(
        NUL in key or any(NUL in value for value in values)
        for key, values in query.lists()  # type: ignore[attr-defined]
    )


def _has_nul_body(request: HttpRequest) -> bool:
    return (
        request.method == "POST"
        and request.content_type
        in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
        and _has_nul(request.POST)
    )
