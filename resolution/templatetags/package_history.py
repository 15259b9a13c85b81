"""The parts of the package page that come from builds and resolution (spec 2.2).

The package page belongs to the packages app, which may not import the apps above it; its
template loads these tags instead: the dependency changes since the last build, and the
history of builds and resolution changes, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django import template
from django.conf import settings

from builds.models import Build
from packages.models import Package
from resolution.models import ResolutionChange, UnappliedChange

register = template.Library()


@dataclass(frozen=True)
class Entry:
    """One line of a package's history: a build or a resolution change."""

    time: datetime
    build: Build | None = None
    resolution: ResolutionChange | None = None

    @property
    def epoch_seconds(self) -> int:
        return int(self.time.timestamp())


@register.inclusion_tag("resolution/dependency_changes.html")
def dependency_changes(package: Package) -> dict[str, Any]:
    """The package's dependency changes since its last build, nearest first."""
    changes = UnappliedChange.objects.filter(package=package).select_related("prev_dep", "curr_dep")
    return {"changes": changes, "package": package}


@register.inclusion_tag("resolution/build_changes.html")
def build_changes(build: Build) -> dict[str, Any]:
    """A build's dependency changes against the previous resolved build, nearest first."""
    changes = build.dependency_changes.select_related("prev_dep", "curr_dep")
    return {"changes": changes, "build": build}


def package_history(package: Package, before: int | None) -> list[Entry]:
    """Builds and resolution changes older than ``before`` (epoch seconds), newest first,
    at most ``frontend.builds_per_page`` of them."""
    limit = int(settings.KOSCHEI["frontend"]["builds_per_page"])
    builds = Build.objects.filter(package=package).prefetch_related(
        "tasks", "dependency_changes__prev_dep", "dependency_changes__curr_dep"
    )
    changes = ResolutionChange.objects.filter(package=package).prefetch_related("problems")
    if before is not None:
        cutoff = datetime.fromtimestamp(before, tz=UTC)
        builds = builds.filter(started__lt=cutoff)
        changes = changes.filter(timestamp__lt=cutoff)
    history = list(builds.order_by("-started", "-id")[:limit])
    for build in history:
        build.package = package  # a real build's log links ask for its collection's Koji
    entries = [Entry(time=b.started, build=b) for b in history]
    entries += [
        Entry(time=c.timestamp, resolution=c) for c in changes.order_by("-timestamp", "-id")[:limit]
    ]
    entries.sort(key=lambda entry: entry.time, reverse=True)
    return entries[:limit]


@register.inclusion_tag("resolution/package_history.html", takes_context=True)
def history(context: dict[str, Any], package: Package, before: int | None) -> dict[str, Any]:
    entries = package_history(package, before)
    limit = int(settings.KOSCHEI["frontend"]["builds_per_page"])
    return {
        "entries": entries,
        "package": package,
        "request": context.get("request"),
        "more": entries[-1].epoch_seconds if len(entries) == limit else None,
    }
