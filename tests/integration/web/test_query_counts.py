"""Pages cost a bounded number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packages.models import Collection, PackageGroup
from packages.states import BuildState
from resolution.models import AppliedChange, UnappliedChange
from tests.factories import (
    make_build,
    make_collection,
    make_dependency,
    make_group,
    make_package,
    make_resolution_change,
    make_task,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/packages?collection=f42",
    "/packages",
    "/package/pkg0?collection=f42",
    "/groups/big",
    "/api/v1/packages/pkg0",
    "/api/v1/collections/diff/f42/f43",
    "/feeds/package/pkg0",
    "/collections",
    "/stats",
    "/build/{build}",
    "/api/v1/builds/{build}",
]


def grow(start: int, size: int) -> int:
    """Add ``size`` packages (in two collections, with builds, tasks, resolution changes
    and group memberships) and ``size`` tasks and dependency changes to pkg0's first
    build; returns that build's id."""
    collections = [Collection.objects.filter(name=n).first() or make_collection(n)
                   for n in ("f42", "f43")]  # fmt: skip
    big = PackageGroup.objects.filter(name="big").first() or make_group("big")
    for i in range(start, start + size):
        for collection in collections:
            package = make_package(f"pkg{i}", collection, tracked=True, resolved=True)
            make_task(make_build(package, hours_ago=5 + i, deps_resolved=True))
            make_build(package, state=BuildState.FAILED, hours_ago=1 + i / 100)
        make_resolution_change(package, resolved=False, problems=("nothing provides x",))
        big.members.add(package.base)
    pkg0 = collections[0].packages.get(name="pkg0")
    build = pkg0.builds.order_by("started").first()
    deps = [make_dependency(f"lib{i}") for i in range(start, start + size)]
    UnappliedChange.objects.bulk_create(
        UnappliedChange(package=pkg0, curr_dep=d, distance=1) for d in deps
    )
    AppliedChange.objects.bulk_create(
        AppliedChange(build=build, curr_dep=d, distance=2) for d in deps
    )
    for i in range(start, start + size):
        make_task(build, arch=f"arch{i}")
    return build.pk


def counts(client, build: int) -> dict[str, int]:
    found = {}
    for page in PAGES:
        url = page.format(build=build)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        found[page] = len(captured)
    return found


def test_query_counts_are_small_and_do_not_grow_with_the_rows(client):
    build = grow(0, 3)
    few = counts(client, build)
    assert max(few.values()) <= 25, few  # the package page with its why panel is the most
    grow(3, 12)
    assert counts(client, build) == few, "a page's query count grew with its rows"
