"""Template helpers of the public pages: links that keep the query, state icons."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """This page's query string with ``changes`` applied (None or "" drops an argument)."""
    request: HttpRequest = context["request"]
    args = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = str(value)
    encoded = args.urlencode()
    return f"?{encoded}" if encoded else "?"


# build and Koji task states drawn with a package state's icon
ICON_ALIASES = {
    "complete": "ok",
    "closed": "ok",
    "failed": "failing",
    "canceled": "blocked",
    "free": "unknown",
    "open": "running",
    "assigned": "running",
}


@register.simple_tag
def state_icon(state: str) -> SafeString:
    """An icon for a package, collection or build state (the state's name as its text)."""
    icon = ICON_ALIASES.get(state, state)
    return format_html(
        '<img class="state-icon" src="{}" alt="{}" title="{}" width="16" height="16">',
        static(f"images/state/{icon}.svg"),
        state,
        state,
    )


@register.filter
def reversed_order(order: str, key: str) -> str:
    """The ``order_by`` a column header links to: ``key``, or ``-key`` when already first."""
    first = order.split(",")[0].strip() if order else ""
    return f"-{key}" if first == key else key


@register.filter
def permyriad(share: float | None) -> str:
    """A share of the whole (0..1) in per ten thousand, as upstream's stats page shows it."""
    return "" if share is None else f"{share * 10000:.2f} \u2031"
