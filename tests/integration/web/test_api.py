"""The JSON API (spec 2.2 "API"): upstream's shapes, filters and 404s, the OpenAPI
description, and a schemathesis run over it that finds no server error."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from koschei_site.wsgi import application
from packages.states import BuildState
from tests.factories import make_build, make_collection, make_package, make_task

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def data(collection):
    collection.latest_repo_id, collection.latest_repo_resolved = 1, True
    collection.save()
    f43 = make_collection("f43", order=200)
    bash = make_package("bash", collection, tracked=True, resolved=True)
    build = make_build(bash, epoch=1, version="5.2", release="1.fc42", hours_ago=3)
    make_task(build)
    make_package("bash", f43, tracked=True, resolved=False)
    make_package("zsh", collection, tracked=True, resolved=True)
    make_package("zsh", f43, tracked=True, resolved=True)
    make_package("nano", collection, blocked=True)
    return build


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/json"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(content)


def test_packages_lists_every_package_with_its_last_complete_build(client, data):
    items = get_json(client, "/api/v1/packages")
    assert [(i["name"], i["collection"], i["state"]) for i in items] == [
        ("bash", "f42", "ok"),
        ("bash", "f43", "unresolved"),
        ("nano", "f42", "blocked"),
        ("zsh", "f42", "unknown"),
        ("zsh", "f43", "unknown"),
    ]
    last = items[0]["last_complete_build"]
    assert last["task_id"] == data.task_id and last["epoch"] == 1
    assert (last["version"], last["release"]) == ("5.2", "1.fc42")
    assert "+" not in last["time_started"] and last["time_started"].startswith("20")
    assert items[1]["last_complete_build"] is None


def test_packages_filters_by_repeated_name_and_collection(client, data):
    items = get_json(client, "/api/v1/packages?name=zsh&name=nano&collection=f42")
    assert [(i["name"], i["collection"]) for i in items] == [("nano", "f42"), ("zsh", "f42")]
    assert len(get_json(client, "/api/v1/packages?collection=f42&collection=f43")) == 5
    assert client.get("/api/v1/packages?collection=f99").status_code == 404


def test_collection_diff_lists_packages_whose_state_differs(client, data):
    assert get_json(client, "/api/v1/collections/diff/f42/f43") == [
        {"name": "bash", "state": {"f42": "ok", "f43": "unresolved"}}
    ]
    assert client.get("/api/v1/collections/diff/f42/f99").status_code == 404


def test_package_and_build_detail(client, data):
    [f43, f42] = get_json(client, "/api/v1/packages/bash")
    assert (f43["collection"], f42["collection"]) == ("f43", "f42")
    assert f42["tracked"] and f42["current_priority"] is not None and not f42["running"]
    build = get_json(client, f"/api/v1/builds/{data.pk}")
    assert build["state"] == "complete" and build["tasks"][0]["arch"] == "x86_64"
    running = make_build(data.package, state=BuildState.RUNNING)
    assert get_json(client, "/api/v1/packages/bash?collection=f42")[0]["running"]
    assert get_json(client, f"/api/v1/builds/{running.pk}")["version"] is None
    assert client.get("/api/v1/packages/nothere").status_code == 404
    assert client.get("/api/v1/builds/999999").status_code == 404


def test_the_openapi_description_names_every_api_route(client):
    document = get_json(client, "/api/v1/openapi.json")
    assert set(document["paths"]) == {
        "/api/v1/packages",
        "/api/v1/packages/{name}",
        "/api/v1/packages/{name}/why",
        "/api/v1/collections/diff/{first}/{second}",
        "/api/v1/builds/{id}",
    }


@pytest.fixture
def explored(data):
    """One data set for the whole run, and requests through the WSGI application that keep
    the test's database connection (Django closes it after a request, as the test client
    prevents)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield data
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_server_error_and_no_schema_violation(case, explored):
    case.call_and_validate()
