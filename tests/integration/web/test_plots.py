"""Plots: each is a table of its data (for readers without JavaScript) that
static/js/plots.js draws with the vendored uPlot; the collection history comes from the
statistics refresh."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders

from builds.models import CollectionStats
from builds.services.stats import refresh_stats
from packages.states import BuildState
from tests.factories import make_build, make_package, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(collection):
    collection.latest_repo_id, collection.latest_repo_resolved = 7, True
    collection.save()
    bash = make_package("bash", collection, tracked=True, resolved=True)
    for hours, state, minutes in [(30, BuildState.COMPLETE, 12), (20, BuildState.FAILED, 3)]:
        build = make_build(bash, state=state, hours_ago=hours)
        build.finished = build.started + timedelta(minutes=minutes)
        build.save()
        make_task(build, finished=build.finished)
    make_package("zsh", collection, tracked=True, resolved=False)
    running = make_package("tcsh", collection, tracked=True, resolved=True)
    make_build(running, hours_ago=40)
    make_build(running, state=BuildState.RUNNING)
    return collection


def cells(body: str, table_class: str) -> list[list[str]]:
    table = body[body.index(f'<table class="{table_class}">') :]
    table = table[: table.index("</table>")]
    return [re.findall(r'data-value="([^"]*)"', row) for row in table.split("<tr>")[2:]]


def test_the_package_page_plots_its_build_times(client, built):
    body = client.get("/package/bash").content.decode()
    rows = cells(body, "plot-data")
    assert [row[1:] for row in rows] == [["12.0", ""], ["", "3.0"]]
    assert 'data-kind="points"' in body and "vendor/uplot/uPlot.iife.min.js" in body


def test_the_statistics_refresh_records_each_collections_states_and_queue(client, built):
    refresh_stats()
    refresh_stats()
    snapshots = list(CollectionStats.objects.filter(collection=built))
    assert len(snapshots) == 2
    last = snapshots[-1]
    assert (last.ok, last.failing, last.unresolved, last.unknown) == (1, 1, 1, 0)
    assert last.running == 1 and last.queue == 0  # nothing is over the threshold
    rows = cells(client.get("/collection/f42").content.decode(), "plot-data")
    assert len(rows) == 2 and rows[-1][1:] == ["1", "1", "1", "0", "1", "0"]


def test_the_stats_page_plots_koji_time_per_package(client, built):
    refresh_stats()
    body = client.get("/stats").content.decode()
    assert 'data-kind="bars"' in body
    assert "bash.x86_64" in body and 'data-value="0.25"' in body  # 15 minutes


def test_the_vendored_library_and_the_script_are_static_files(client, built):
    for path in ("vendor/uplot/uPlot.iife.min.js", "vendor/uplot/LICENSE", "js/plots.js"):
        assert finders.find(path), path
