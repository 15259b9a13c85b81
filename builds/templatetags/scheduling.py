"""The package page's "Why and when will this build?" panel (builds.services.explain)."""

from __future__ import annotations

from typing import Any

from django import template

from builds.services.explain import explain
from packages.models import Package

register = template.Library()


@register.inclusion_tag("builds/why_panel.html")
def why_panel(package: Package) -> dict[str, Any]:
    return {"why": explain(package), "package": package}
