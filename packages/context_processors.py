"""What every public page shows: the operators' notice, the tabs and the current scope."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from packages.models import AdminNotice

# (label, URL name) in upstream's order; the user's tabs come with login
TABS = (
    ("Collections", "collection_list"),
    ("Packages", "package_list"),
    ("Groups", "group_list"),
    ("Stats", "stats"),
)


def tabs(request: HttpRequest) -> list[tuple[str, str]]:
    """(label, URL) of the tabs; a logged-in user also gets their own."""
    shown = [(label, reverse(name)) for label, name in TABS[:3]]
    if request.user.is_authenticated:
        username = request.user.get_username()
        shown.append(("My packages", reverse("user_packages", args=[username])))
        shown.append(("Add packages", reverse("add_packages")))
    shown += [(label, reverse(name)) for label, name in TABS[3:]]
    return shown


def page_furniture(request: HttpRequest) -> dict[str, Any]:
    furniture: dict[str, Any] = {
        "tabs": tabs(request),
        "koji_weburl": settings.KOSCHEI["koji_config"].get("weburl", "").rstrip("/"),
    }
    scope = getattr(request, "scope", None)
    if scope is None:  # pages outside a collection scope: login, errors, the admin
        return furniture
    notice = AdminNotice.objects.filter(key=AdminNotice.GLOBAL).first()
    return {**furniture, "scope": scope, "global_notice": notice.content if notice else ""}
