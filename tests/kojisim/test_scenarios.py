"""The shipped scenarios load, and the demo's timeline moves the distribution."""

from __future__ import annotations

import time
from pathlib import Path

import koji
import pytest
import yaml

from kojisim.__main__ import parse_args
from kojisim.scenarios.scenario import compressed

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


def test_a_compressed_scenario_plays_faster_on_the_wall_clock(kojisim_server):
    server = kojisim_server(SCENARIOS / "demo.yaml", extra=["--compress", "30"])
    hub = server.session("koschei")
    now = time.time()
    server.sim("advanceClock", 31)  # "libxml2 2.13.3" at 900 s / 30
    assert [b["nvr"] for b in hub.listTagged("f43", latest=True, package="libxml2")] == [
        "libxml2-2.13.3-1.fc43"
    ]
    srpm = "../packages/python-lxml/5.2.2/1.fc43/src/python-lxml-5.2.2-1.fc43.src.rpm"
    task_id = hub.build(srpm, "f43", {"scratch": True})
    created = hub.getTaskInfo(task_id)["create_ts"]
    assert now - 5 < created < now + 31 + 5  # the clock was only advanced by hand
    hub.rsession.close()


def test_compression_divides_every_time_and_refuses_nonsense():
    data = yaml.safe_load((SCENARIOS / "demo.yaml").read_text())
    fast = compressed(data, 30)
    assert fast["defaults"]["build_duration"] == data["defaults"]["build_duration"] / 30
    assert fast["defaults"]["assign_delay"] == 1 / 30  # the loader's default, scaled too
    gcc = next(r for r in fast["rules"] if r.get("package") == "gcc" and "duration" in r)
    assert gcc["duration"] == 120
    assert [e["at"] for e in fast["timeline"]][:2] == [10, 30]
    assert data["timeline"][0]["at"] == 300  # the input is left alone
    with pytest.raises(ValueError, match="positive"):
        compressed(data, 0)


def test_the_command_line_refuses_a_compression_that_is_not_positive(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--scenario", str(SCENARIOS / "demo.yaml"), "--compress", "0"])
    assert exit_info.value.code == 2
    assert "--compress must be positive, not 0.0" in capsys.readouterr().err
