"""The build engine: task states on the simulated clock, subtasks, rules, cancelling."""

from __future__ import annotations

import koji
import pytest
import yaml

from kojisim.pytest_plugin import SMALL_SCENARIO

FOO = "../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm"
STATES = koji.TASK_STATES


def srpm(nvr):
    name, version, release = nvr.rsplit("-", 2)
    return f"../packages/{name}/{version}/{release}/src/{nvr}.src.rpm"


@pytest.fixture
def server(kojisim_fresh):
    return kojisim_fresh


@pytest.fixture
def koschei(server):
    session = server.session("koschei")
    yield session
    session.rsession.close()


def states(session, task_id):
    return [STATES[c["state"]] for c in session.getTaskChildren(task_id)]


def test_scratch_build_moves_through_free_open_closed(server, koschei):
    task_id = koschei.build(FOO, "f42", {"scratch": True}, priority=10)
    task = koschei.getTaskInfo(task_id)
    assert (task["method"], task["state"], task["priority"]) == ("build", STATES["FREE"], 30)
    assert koschei.getTaskRequest(task_id) == [FOO, "f42", {"scratch": True}]
    server.sim("advanceClock", 1)
    assert koschei.getTaskInfo(task_id)["state"] == STATES["OPEN"]
    children = koschei.getTaskChildren(task_id, request=True)
    repo = koschei.getRepo("f42-build")
    assert sorted(c["arch"] for c in children) == ["aarch64", "x86_64"]
    for child in children:
        assert child["method"] == "buildArch"
        assert child["request"][4] == {"repo_id": repo["id"]}
        assert child["request"][2] == child["label"] == child["arch"]
        assert child["priority"] == 29
    assert states(koschei, task_id) == ["FREE", "FREE"]
    server.sim("advanceClock", 1)
    assert states(koschei, task_id) == ["OPEN", "OPEN"]
    with pytest.raises(koji.GenericError, match="is not finished"):
        koschei.getTaskResult(task_id)
    server.sim("advanceClock", 120)
    assert states(koschei, task_id) == ["CLOSED", "CLOSED"]
    task = koschei.getTaskInfo(task_id)
    assert task["state"] == STATES["CLOSED"]
    assert task["completion_ts"] >= task["start_ts"] >= task["create_ts"]
    assert koschei.getTaskResult(task_id) is None


def test_build_arch_results_logs_and_buildroots(server, koschei):
    task_id = koschei.build(FOO, "f42", {"scratch": True})
    server.sim("finishTasks", [task_id])
    child = next(c for c in koschei.getTaskChildren(task_id) if c["arch"] == "x86_64")
    result = koschei.getTaskResult(child["id"])
    assert result["logs"] == [
        f"tasks/{child['id'] % 10000}/{child['id']}/build.log",
        f"tasks/{child['id'] % 10000}/{child['id']}/root.log",
    ]
    assert any(r.endswith("foo-1.0-1.fc42.x86_64.rpm") for r in result["rpms"])
    assert koschei.listTaskOutput(child["id"]) == ["build.log", "root.log"]
    roots = koschei.listBuildroots(taskID=child["id"])
    assert roots[0]["repo_id"] == koschei.getRepo("f42-build")["id"]
    installed = {r["name"] for r in koschei.listRPMs(componentBuildrootID=roots[0]["id"])}
    assert {"bar-devel", "bar", "gcc", "make", "bash", "glibc"} <= installed


def test_hosts_report_load_while_tasks_run(server, koschei):
    koschei.build(FOO, "f42", {"scratch": True})
    server.sim("advanceClock", 1)
    server.sim("advanceClock", 1)
    loads = {h["name"]: h["task_load"] for h in koschei.listHosts()}
    assert loads["builder-x86-01"] >= 2.0  # 0.5 declared + 1.5 for the buildArch task
    server.sim("advanceClock", 200)
    loads = {h["name"]: h["task_load"] for h in koschei.listHosts()}
    assert loads == {"builder-x86-01": 0.5, "builder-arm-01": 0.0, "builder-down": 0.0}


def test_arch_override_noarch_and_exclusive_arch(server, koschei):
    only_x86 = koschei.build(FOO, "f42", {"scratch": True, "arch_override": "x86_64"})
    noarch = koschei.build(srpm("baz-0.5-2.fc42"), "f42", {"scratch": True})
    exclusive = koschei.build(srpm("qux-3.1-1.fc42"), "f42", {"scratch": True})
    server.sim("finishTasks")
    assert [c["arch"] for c in koschei.getTaskChildren(only_x86)] == ["x86_64"]
    assert [c["arch"] for c in koschei.getTaskChildren(noarch)] == ["noarch"]
    assert [c["arch"] for c in koschei.getTaskChildren(exclusive)] == ["x86_64"]
    for task_id in (only_x86, noarch, exclusive):
        assert koschei.getTaskInfo(task_id)["state"] == STATES["CLOSED"]


def test_arch_override_is_only_for_scratch_builds(server, koschei):
    task_id = koschei.build(FOO, "f42", {"arch_override": "x86_64"})
    server.sim("finishTasks", [task_id])
    with pytest.raises(koji.BuildError, match="only allowed for scratch"):
        koschei.getTaskResult(task_id)


def test_build_from_a_repo_id_without_target(server, koschei):
    repo = koschei.getRepo("f42-build")
    task_id = koschei.build(FOO, None, {"scratch": True, "repo_id": repo["id"]})
    server.sim("finishTasks", [task_id])
    assert koschei.getTaskInfo(task_id)["state"] == STATES["CLOSED"]
    children = koschei.getTaskChildren(task_id, request=True)
    assert {c["request"][4]["repo_id"] for c in children} == {repo["id"]}


def test_unknown_target_and_missing_srpm_fail_the_task(server, koschei):
    no_target = koschei.build(FOO, "no-such-target", {"scratch": True})
    no_srpm = koschei.build(srpm("foo-9.9-1.fc42"), "f42", {"scratch": True})
    server.sim("finishTasks")
    with pytest.raises(koji.GenericError, match="unknown build target"):
        koschei.getTaskResult(no_target)
    with pytest.raises(koji.GenericError, match="404"):
        koschei.getTaskResult(no_srpm)


def test_build_fails_when_a_buildroot_dependency_matches_a_rule(server, koschei):
    server.sim("newBuild", "bar", {"version": "3.0"})
    repo = server.sim("regenRepo", "f42-build")
    task_id = koschei.build(FOO, "f42", {"scratch": True})
    server.sim("finishTasks", [task_id])
    info = koschei.getTaskInfo(task_id)
    assert info["state"] == STATES["FAILED"]
    assert "CANCELED" in states(koschei, task_id) or set(states(koschei, task_id)) == {"FAILED"}
    with pytest.raises(koji.BuildError, match="mock exited with status 1"):
        koschei.getTaskResult(task_id)
    assert (
        koschei.getTaskResult(task_id, raise_fault=False)["faultCode"] == koji.BuildError.faultCode
    )
    child = next(c for c in koschei.getTaskChildren(task_id) if c["state"] == STATES["FAILED"])
    assert child["arch"] in ("x86_64", "aarch64")
    assert koschei.getTaskChildren(task_id, request=True)[0]["request"][4]["repo_id"] == repo["id"]
    log = koschei.downloadTaskOutput(child["id"], "build.log").decode()
    assert "bar-3.0-1.fc42" in log


def test_unresolvable_build_requires_fail_in_the_buildroot(server, koschei):
    task_id = koschei.build(srpm("broken-0.1-1.fc42"), "f42", {"scratch": True})
    server.sim("finishTasks", [task_id])
    with pytest.raises(koji.BuildError, match=r"status 30; see root\.log"):
        koschei.getTaskResult(task_id)
    child = koschei.getTaskChildren(task_id)[0]
    assert "does-not-exist-devel" in koschei.downloadTaskOutput(child["id"], "root.log").decode()


def _flaky_outcomes(server, session, count):
    outcomes = []
    for _ in range(count):
        opts = {"scratch": True, "arch_override": "x86_64"}
        task_id = session.build(srpm("flaky-1.2-1.fc42"), "f42", opts)
        server.sim("finishTasks", [task_id])
        outcomes.append(STATES[session.getTaskInfo(task_id)["state"]])
    return outcomes


def test_random_failures_are_seeded(server, koschei, kojisim_server):
    outcomes = _flaky_outcomes(server, koschei, 20)
    assert set(outcomes) == {"CLOSED", "FAILED"}  # fail_probability 0.5
    again = kojisim_server(SMALL_SCENARIO)
    session = again.session("koschei")
    assert _flaky_outcomes(again, session, 20) == outcomes
    session.rsession.close()


def test_forced_outcomes(server, koschei):
    failed = koschei.build(FOO, "f42", {"scratch": True})
    assert server.sim("finishTasks", [failed], "FAILED") == [failed]
    assert koschei.getTaskInfo(failed)["state"] == STATES["FAILED"]
    server.sim("newBuild", "bar", {"version": "3.0"})
    server.sim("regenRepo", "f42-build")
    closed = koschei.build(FOO, "f42", {"scratch": True})
    server.sim("finishTasks", [closed], "CLOSED")
    assert koschei.getTaskInfo(closed)["state"] == STATES["CLOSED"]


def test_cancel_task_cancels_children(server, koschei):
    task_id = koschei.build(FOO, "f42", {"scratch": True})
    server.sim("advanceClock", 2)
    koschei.cancelTask(task_id)
    assert koschei.getTaskInfo(task_id)["state"] == STATES["CANCELED"]
    assert set(states(koschei, task_id)) == {"CANCELED"}
    with pytest.raises(koji.GenericError, match="is canceled"):
        koschei.getTaskResult(task_id)
    other = server.session("alice")
    with pytest.raises(koji.ActionNotAllowed, match="not owner"):
        other.cancelTask(koschei.build(FOO, "f42", {"scratch": True}))


def test_tasks_wait_for_a_host_with_capacity(server, koschei):
    tasks = [
        koschei.build(FOO, "f42", {"scratch": True, "arch_override": "aarch64"}) for _ in range(3)
    ]
    server.sim("advanceClock", 1)
    server.sim("advanceClock", 1)
    open_children = sum(states(koschei, t).count("OPEN") for t in tasks)
    assert open_children == 1  # builder-arm-01 has capacity 2 and already runs parents
    server.sim("finishTasks")
    assert {koschei.getTaskInfo(t)["state"] for t in tasks} == {STATES["CLOSED"]}


def test_list_tasks_filters(server, koschei):
    task_id = koschei.build(FOO, "f42", {"scratch": True})
    me = koschei.getLoggedInUser()["id"]
    found = koschei.listTasks(opts={"method": "build", "owner": me, "decode": True})
    assert [t["id"] for t in found] == [task_id]
    assert found[0]["request"] == [FOO, "f42", {"scratch": True}]
    raw = koschei.listTasks(opts={"parent": None, "method": "build", "owner": [me]})
    assert raw[0]["request"].startswith("<?xml")
    created = found[0]["create_ts"]
    assert (
        koschei.listTasks(opts={"method": "build", "owner": me, "createdAfter": created + 1}) == []
    )
    assert (
        koschei.listTasks(
            opts={"state": [STATES["FREE"]], "owner": me}, queryOpts={"countOnly": True}
        )
        == 1
    )


def test_non_scratch_build_of_an_existing_nvr_fails(server, koschei):
    task_id = koschei.build(FOO, "f42")
    server.sim("finishTasks", [task_id])
    with pytest.raises(koji.GenericError, match="Build already exists"):
        koschei.getTaskResult(task_id)


def test_non_scratch_build_is_imported_and_tagged(server, koschei):
    failed = server.sim("newBuild", "foo", {"version": "2.0", "failed": True})
    assert failed["state"] == koji.BUILD_STATES["FAILED"]
    task_id = koschei.build(srpm(failed["nvr"]), "f42")
    server.sim("advanceClock", 1)
    assert koschei.getBuild(failed["nvr"])["state"] == koji.BUILD_STATES["BUILDING"]
    server.sim("finishTasks", [task_id])
    build = koschei.getBuild(failed["nvr"])
    assert build["state"] == koji.BUILD_STATES["COMPLETE"]
    assert build["task_id"] == task_id
    assert sorted(r["arch"] for r in koschei.listRPMs(buildID=build["id"])) == [
        "aarch64",
        "noarch",
        "src",
        "x86_64",
    ]
    latest = koschei.listTagged("f42", latest=True, package="foo")
    assert [b["nvr"] for b in latest] == ["foo-2.0-1.fc42"]
    methods = sorted(c["method"] for c in koschei.getTaskChildren(task_id))
    assert methods == ["buildArch", "buildArch", "tagBuild"]
    tag_messages = server.sim("listMessages", "buildsys.tag")
    assert tag_messages[-1]["body"]["name"] == "foo"
    assert tag_messages[-1]["body"]["version"] == "2.0"


def test_rebuild_srpm_child_carries_the_repo_id(kojisim_server, tmp_path):
    scenario = yaml.safe_load(SMALL_SCENARIO.read_text())
    build_tag = next(t for t in scenario["tags"] if t["name"] == "f42-build")
    build_tag["extra"] = {"rebuild_srpm": True}
    path = tmp_path / "rebuild.yaml"
    path.write_text(yaml.safe_dump(scenario))
    server = kojisim_server(path)
    session = server.session("koschei")
    task_id = session.build(FOO, "f42", {"scratch": True})
    server.sim("advanceClock", 1)
    children = session.getTaskChildren(task_id, request=True)
    repo = session.getRepo("f42-build")
    assert [c["method"] for c in children] == ["rebuildSRPM"]
    assert children[0]["request"][2]["repo_id"] == repo["id"]
    server.sim("finishTasks", [task_id])
    methods = sorted(c["method"] for c in session.getTaskChildren(task_id))
    assert methods == ["buildArch", "buildArch", "rebuildSRPM"]
    assert session.getTaskInfo(task_id)["state"] == STATES["CLOSED"]
    session.rsession.close()
