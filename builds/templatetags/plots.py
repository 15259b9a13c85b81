"""Plot data for the pages (``static/js/plots.js`` draws the tables these fill)."""

from __future__ import annotations

from typing import Any

from django import template

from builds.models import Build, CollectionStats
from packages.models import Collection, Package
from packages.states import BuildState

register = template.Library()

#: builds and snapshots a plot shows at most
POINTS = 100


@register.inclusion_tag("builds/plots/build_times.html")
def build_times_plot(package: Package) -> dict[str, Any]:
    """Duration of the package's last finished builds, complete and failed apart."""
    builds = list(
        Build.objects.filter(package=package, finished__isnull=False, infra_failure="")
        .exclude(state=BuildState.RUNNING)
        .order_by("-started")[:POINTS]
    )
    rows = [
        {
            "build": build,
            "minutes": round((build.finished - build.started).total_seconds() / 60, 1),  # type: ignore[operator]
        }
        for build in reversed(builds)
    ]
    return {"rows": rows, "package": package}


@register.inclusion_tag("builds/plots/collection_history.html")
def collection_plot(collection: Collection) -> dict[str, Any]:
    """The collection's package states and queue length over its last snapshots."""
    snapshots = list(
        CollectionStats.objects.filter(collection=collection).order_by("-time")[:POINTS]
    )
    return {"rows": list(reversed(snapshots)), "collection": collection}
