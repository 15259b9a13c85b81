"""Ingestion through the project's own commands: create-collection, refresh-packages,
add-pkg of every package, refresh-builds.  Each step is a separate ``manage.py`` process,
as an operator (or the polling task) would run it; the figures include their start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.resolution.report import figure, note
from bench.resolution.stack import Command, Stack

COLLECTION = "bench"
#: add-pkg takes names as arguments; keep each command line well under ARG_MAX
ARGV_BUDGET = 512 * 1024


@dataclass(frozen=True)
class Koji:
    """The Koji names of the distribution (kojisim's directory loader defaults)."""

    target: str
    dest_tag: str
    build_tag: str

    @classmethod
    def of(cls, sources: dict[str, Any]) -> Koji:
        tag = str(sources.get("tag", "sim"))
        return cls(
            target=str(sources.get("target", tag)),
            dest_tag=tag,
            build_tag=str(sources.get("build_tag", f"{tag}-build")),
        )


def collection_package_names() -> list[str]:
    """Names of the benchmark collection's packages, as refresh-packages created them."""
    from packages.models import Package

    return list(
        Package.objects.filter(collection__name=COLLECTION)
        .order_by("name")
        .values_list("name", flat=True)
    )


def _batches(names: list[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for name in names:
        if size + len(name) + 1 > ARGV_BUDGET and batches[-1]:
            batches.append([])
            size = 0
        batches[-1].append(name)
        size += len(name) + 1
    return batches


def _logged(command: Command) -> float:
    """Show a command's summary on stderr; its seconds."""
    note(command.stdout.strip())
    return command.seconds


def ingest(stack: Stack, koji: Koji, timeout: float) -> float:
    """Run the four steps; prints one figure per step and returns the total seconds."""
    create_s = stack.manage(
        [
            "create-collection",
            COLLECTION,
            "-d",
            "Benchmark",
            "-t",
            koji.target,
            "--dest-tag",
            koji.dest_tag,
        ],
        timeout,
    ).seconds
    figure("ingest_create_collection_s", create_s)
    packages_s = _logged(stack.manage(["refresh-packages", COLLECTION], timeout))
    figure("ingest_refresh_packages_s", packages_s)
    names = collection_package_names()
    figure("packages", len(names))
    track_s = 0.0
    for batch in _batches(names):
        track_s += _logged(stack.manage(["add-pkg", "-c", COLLECTION, *batch], timeout))
    figure("ingest_track_s", track_s)
    builds_s = _logged(stack.manage(["refresh-builds", COLLECTION], timeout))
    figure("ingest_refresh_builds_s", builds_s)
    figure("builds", registered_builds())
    total = create_s + packages_s + track_s + builds_s
    figure("ingest_s", total)
    return total


def registered_builds() -> int:
    """Builds of the benchmark collection's packages in the database."""
    from builds.models import Build

    return Build.objects.filter(package__collection__name=COLLECTION).count()


def refresh(stack: Stack, timeout: float) -> float:
    """refresh-packages then refresh-builds (what polling does after Koji changed)."""
    packages_s = _logged(stack.manage(["refresh-packages", COLLECTION], timeout))
    return packages_s + _logged(stack.manage(["refresh-builds", COLLECTION], timeout))
