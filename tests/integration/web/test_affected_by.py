"""``/affected-by/<dep>`` (spec 3.10): failed builds whose dependency moved into or across
the interval, compared with RPM's rules in SQL."""

from __future__ import annotations

import re

import pytest

from packages.states import BuildState
from resolution.models import AppliedChange, Dependency
from tests.factories import make_build, make_collection, make_dependency, make_package

pytestmark = pytest.mark.django_db

QUERY = "epoch1=0&version1=2.40&release1=1&epoch2=0&version2=2.42&release2=1"


def failed_after_change(
    collection, name, prev, curr, *, distance=1, before=BuildState.COMPLETE, **package_fields
):
    package = make_package(name, collection, **{"tracked": True, **package_fields})
    if before is not None:
        make_build(package, state=before, hours_ago=10)
    build = make_build(package, state=BuildState.FAILED, hours_ago=1)
    AppliedChange.objects.create(
        build=build,
        prev_dep=glibc(prev) if prev else None,
        curr_dep=glibc(curr) if curr else None,
        distance=distance,
    )
    return build


def glibc(version: str) -> Dependency:
    return Dependency.objects.filter(name="glibc", version=version).first() or make_dependency(
        "glibc", version
    )


def listed(response) -> list[str]:
    return re.findall(r'href="/package/([^"?]+)\?', response.content.decode())


def test_failures_after_a_move_into_or_across_the_interval_are_listed(client, collection):
    failed_after_change(collection, "into", "2.39", "2.41", distance=2)
    failed_after_change(collection, "across", "2.38", "2.43", distance=1)
    failed_after_change(collection, "above", "2.43", "2.44")
    failed_after_change(collection, "added", None, "2.41")
    failed_after_change(collection, "already-failing", "2.39", "2.41", before=BuildState.FAILED)
    failed_after_change(collection, "first-build", "2.39", "2.41", before=None)
    failed_after_change(collection, "untracked", "2.39", "2.41", tracked=False)
    failed_after_change(make_collection("f43"), "elsewhere", "2.39", "2.41")
    response = client.get(f"/affected-by/glibc?collection=f42&{QUERY}")
    assert response.status_code == 200
    assert listed(response) == ["across", "into"]  # nearest dependency first
    assert "upgrade" in response.content.decode()


def test_rpm_ordering_not_text_ordering_decides(client, collection):
    failed_after_change(collection, "ten", "2.9", "2.10")
    query = "epoch1=0&version1=2.9&release1=1&epoch2=0&version2=2.11&release2=1"
    assert listed(client.get(f"/affected-by/glibc?collection=f42&{query}")) == ["ten"]
    down = "epoch1=0&version1=2.11&release1=1&epoch2=0&version2=2.9&release2=1"
    assert "downgrade" in client.get(f"/affected-by/glibc?collection=f42&{down}").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        QUERY,  # no collection named while two exist
        f"collection=f42,f43&{QUERY}",
        "collection=f42&epoch1=x&version1=2.40&release1=1&epoch2=0&version2=2.42&release2=1",
        "collection=f42&epoch1=0&version1=2.40&release1=1&epoch2=0&version2=2.42",
    ],
)
def test_bad_arguments_are_400(client, collection, query):
    make_collection("f43")
    response = client.get(f"/affected-by/glibc?{query}")
    assert response.status_code == 400
    assert b"exactly one collection" in response.content


def test_many_affected_builds_come_in_pages(client, collection, settings):
    settings.KOSCHEI = {
        **settings.KOSCHEI,
        "frontend": {**settings.KOSCHEI["frontend"], "packages_per_page": 2},
    }
    for i in range(3):
        failed_after_change(collection, f"p{i}", "2.39", "2.41", distance=i + 1)
    url = f"/affected-by/glibc?collection=f42&{QUERY}"
    assert listed(client.get(url)) == ["p0", "p1"]
    assert listed(client.get(f"{url}&page=2")) == ["p2"]
    assert client.get(f"{url}&page=3").status_code == 404
