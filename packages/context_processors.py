"""What every public page shows: the operators' notice, the tabs and the current scope."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from packages.models import AdminNotice

# (label, URL name) in upstream's order; the user's tabs come with login
TABS = (
    ("Collections", "collection_list"),
    ("Packages", "package_list"),
    ("Groups", "group_list"),
    ("Stats", "stats"),
)


def page_furniture(request: HttpRequest) -> dict[str, Any]:
    furniture: dict[str, Any] = {
        "tabs": TABS,
        "koji_weburl": settings.KOSCHEI["koji_config"].get("weburl", "").rstrip("/"),
    }
    scope = getattr(request, "scope", None)
    if scope is None:  # pages outside a collection scope: login, errors, the admin
        return furniture
    notice = AdminNotice.objects.filter(key=AdminNotice.GLOBAL).first()
    return {**furniture, "scope": scope, "global_notice": notice.content if notice else ""}
