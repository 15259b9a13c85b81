"""Atom feeds of state changes and failures per package, group and user."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as ET

from packages.states import BuildState
from tests.factories import (
    make_build,
    make_collection,
    make_group,
    make_package,
    make_resolution_change,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def titles(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return [entry.find(f"{ATOM}title").text for entry in root.iter(f"{ATOM}entry")]


@pytest.fixture
def history(collection):
    bash = make_package("bash", collection, tracked=True)
    for hours, state in [(50, BuildState.COMPLETE), (40, BuildState.COMPLETE),
                         (30, BuildState.FAILED), (20, BuildState.FAILED),
                         (10, BuildState.COMPLETE)]:  # fmt: skip
        make_build(bash, state=state, hours_ago=hours)
    make_build(bash, state=BuildState.RUNNING)
    make_resolution_change(bash, resolved=False, days_ago=0.1, problems=("nothing provides x",))
    zsh = make_package("zsh", collection, tracked=True)
    make_build(zsh, state=BuildState.FAILED, hours_ago=5)
    make_group("maint/shells", members=("bash", "zsh"), maintainers=("maint",))
    return collection


def test_a_package_feed_has_its_failures_and_state_changes_newest_first(client, history):
    assert titles(client, "/feeds/package/bash") == [
        "bash has unresolvable build dependencies in Fedora f42",
        "bash builds again in Fedora f42",
        "bash failed to build in Fedora f42",
        "bash failed to build in Fedora f42",
    ]  # the second ok build (no change) and the running one are not news


def test_group_and_user_feeds_cover_their_packages(client, history):
    group = titles(client, "/feeds/group/maint/shells")
    assert "zsh failed to build in Fedora f42" in group and len(group) == 5
    assert titles(client, "/feeds/user/maint") == group


def test_feeds_follow_the_collection_scope_and_404_for_unknowns(client, history):
    make_collection("f43")
    assert titles(client, "/feeds/package/bash?collection=f43") == []
    for url in ("/feeds/package/nope", "/feeds/group/no/pe", "/feeds/user/nope",
                "/feeds/package/bash?collection=f99"):  # fmt: skip
        assert client.get(url).status_code == 404, url


def test_pages_link_their_feeds(client, history):
    assert 'href="/feeds/package/bash"' in client.get("/package/bash").content.decode()
    assert 'href="/feeds/group/maint/shells"' in client.get("/groups/maint/shells").content.decode()
