"""The koji command line tool and kojisim.ctl against a running simulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

KOJI = str(Path(sys.executable).parent / "koji")


def koji_cli(server, tmp_path, *args):
    config = server.koji_config(tmp_path)
    cmd = [KOJI, "-c", str(config), "-p", "kojisim", "--noauth", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def ctl(server, *args, check=True):
    cmd = [sys.executable, "-m", "kojisim.ctl", "--url", server.url, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_list_targets(kojisim_server, tmp_path):
    out = koji_cli(kojisim_server(), tmp_path, "list-targets")
    assert out.splitlines()[2].split() == ["f42", "f42-build", "f42"]


def test_list_tagged(kojisim_server, tmp_path):
    out = koji_cli(kojisim_server(), tmp_path, "list-tagged", "--latest", "f42")
    rows = [line.split() for line in out.splitlines()[2:]]
    assert ["foo-1.0-1.fc42", "f42", "releng"] in rows
    assert all(row[0] != "bar-1.0-1.fc41" for row in rows)


def test_list_pkgs(kojisim_server, tmp_path):
    out = koji_cli(kojisim_server(), tmp_path, "list-pkgs", "--tag", "f42", "--show-blocked")
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert "foo" in lines
    assert "[BLOCKED]" in lines["retired"]


def test_buildinfo(kojisim_server, tmp_path):
    out = koji_cli(kojisim_server(), tmp_path, "buildinfo", "foo-1.0-1.fc42")
    assert "BUILD: foo-1.0-1.fc42" in out
    assert "State: COMPLETE" in out
    assert "Tags: f42" in out
    assert "/packages/foo/1.0/1.fc42/x86_64/foo-1.0-1.fc42.x86_64.rpm" in out


def test_taskinfo_of_a_finished_scratch_build(kojisim_fresh, tmp_path):
    session = kojisim_fresh.session("koschei")
    task_id = session.build(
        "../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm", "f42", {"scratch": True}
    )
    kojisim_fresh.sim("finishTasks", [task_id])
    out = koji_cli(kojisim_fresh, tmp_path, "taskinfo", "-r", "-v", str(task_id))
    assert f"Task: {task_id}" in out
    assert "Type: build" in out and "Type: buildArch" in out
    assert "State: closed" in out
    assert "Build Tag: f42-build" in out
    assert "/work/tasks/" in out and "build.log" in out
    session.rsession.close()


def test_taskinfo_page_on_the_web_url(kojisim_server):
    server = kojisim_server()
    task_id = server.session().getBuild("foo-1.0-1.fc42")["task_id"]
    with requests.get(f"{server.weburl}/taskinfo", params={"taskID": task_id}, timeout=10) as page:
        assert page.status_code == 200
        assert f"Task {task_id}" in page.text
    with requests.get(f"{server.weburl}/taskinfo", params={"taskID": 1}, timeout=10) as page:
        assert page.status_code == 404


def test_srpm_is_downloadable_from_topurl(kojisim_server):
    server = kojisim_server()
    url = f"{server.topurl}/packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm"
    with requests.get(url, timeout=10) as response:
        assert response.status_code == 200
        assert b"foo-1.0-1.fc42.src" in response.content


def test_ctl_drives_the_simulator(kojisim_fresh):
    status = json.loads(ctl(kojisim_fresh, "status").stdout)
    assert status["scenario"] == "small"
    build = json.loads(ctl(kojisim_fresh, "new-build", "bar", "--version", "2.5").stdout)
    assert build["nvr"] == "bar-2.5-1.fc42"
    ctl(kojisim_fresh, "block", "f42", "flaky")
    repo = json.loads(ctl(kojisim_fresh, "regen-repo", "f42-build").stdout)
    assert repo["state"] == 1
    ctl(kojisim_fresh, "fault", "latency", "--method", "getTag", "--delay", "0.01")
    assert len(json.loads(ctl(kojisim_fresh, "faults").stdout)) == 1
    ctl(kojisim_fresh, "clear-faults")
    ctl(kojisim_fresh, "set-host", "builder-down", "--ready")
    assert json.loads(ctl(kojisim_fresh, "advance", "10").stdout) > status["time"]
    assert json.loads(ctl(kojisim_fresh, "finish").stdout) == []
    messages = json.loads(ctl(kojisim_fresh, "messages", "--topic", "buildsys.tag").stdout)
    assert messages[-1]["body"]["name"] == "bar"
    hub = kojisim_fresh.session()
    assert hub.listPackages(tagID="f42", pkgID="flaky")[0]["blocked"] is True
    assert hub.getHost("builder-down")["ready"] is True


def test_ctl_reports_errors(kojisim_fresh):
    done = ctl(kojisim_fresh, "tag-build", "f42", "nope-1-1", check=False)
    assert done.returncode == 1
    assert "No such build" in done.stderr


@pytest.mark.parametrize("args", [["--help"]])
def test_kojisim_command_line_help(args):
    done = subprocess.run(
        [sys.executable, "-m", "kojisim", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "--scenario" in done.stdout
