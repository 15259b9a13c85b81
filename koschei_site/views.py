"""Logging in (OpenID Connect, through mozilla-django-oidc) and out."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout as end_session
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from koschei_site.auth import login_configured

NOT_CONFIGURED = (
    "Logging in is not configured here: an operator sets the oidc section of the "
    "configuration (client_id, client_secret and the provider's endpoints)."
)


def safe_next(request: HttpRequest) -> str:
    """The ``next`` argument (query or form) when it stays on this site, else "/"."""
    target = request.GET.get("next") or request.POST.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else "/"


def login(request: HttpRequest) -> HttpResponse:
    """Send the reader to the OpenID provider; they come back to ``next``."""
    if not login_configured():
        return render(request, "login_unavailable.html", {"message": NOT_CONFIGURED}, status=503)
    query = urlencode({"next": safe_next(request)})
    return redirect(f"{reverse('oidc_authentication_init')}?{query}")


@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    """GET asks (a link must not log anyone out); POST logs out and goes home."""
    if request.method == "GET":
        return render(request, "logout.html", {"title": "Log out"})
    if request.user.is_authenticated:
        end_session(request)
        messages.success(request, "You were logged out.")
    return redirect("/")
