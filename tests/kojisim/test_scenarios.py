"""The shipped scenarios load, and the demo's timeline moves the distribution."""

from __future__ import annotations

import time
from pathlib import Path

import koji
import pytest
import yaml

SCENARIOS = Path(__file__).resolve().parents[2] / "kojisim" / "scenarios"


def test_demo_timeline_updates_libraries_and_breaks_a_dependent(kojisim_server):
    server = kojisim_server(SCENARIOS / "demo.yaml")
    hub = server.session("koschei")
    assert len(hub.listTagged("f43", latest=True)) >= 40
    first = hub.getRepo("f43-build")
    server.sim("advanceClock", 960)  # past "libxml2 2.13.3" at 900 s
    server.sim("advanceClock", 61)  # past the 60 s regen delay
    assert [b["nvr"] for b in hub.listTagged("f43", latest=True, package="libxml2")] == [
        "libxml2-2.13.3-1.fc43"
    ]
    repo = hub.getRepo("f43-build")
    deadline = time.monotonic() + 30  # the regenerated repo is written by a worker thread
    while repo["id"] == first["id"] and time.monotonic() < deadline:
        time.sleep(0.05)
        repo = hub.getRepo("f43-build")
    assert repo["id"] != first["id"]
    lxml = hub.getBuild("python-lxml-5.2.2-1.fc43")
    srpm = "../packages/python-lxml/5.2.2/1.fc43/src/python-lxml-5.2.2-1.fc43.src.rpm"
    task_id = hub.build(srpm, "f43", {"scratch": True})
    server.sim("finishTasks", [task_id])
    assert lxml["state"] == koji.BUILD_STATES["COMPLETE"]
    with pytest.raises(koji.BuildError):
        hub.getTaskResult(task_id)
    hub.rsession.close()


@pytest.mark.parametrize("name", ["small.yaml", "demo.yaml"])
def test_shipped_scenarios_are_valid_yaml_with_targets(name):
    data = yaml.safe_load((SCENARIOS / name).read_text())
    assert data["targets"]
    tags = {t["name"] for t in data["tags"]}
    assert all(t["build_tag"] in tags and t["dest_tag"] in tags for t in data["targets"])
