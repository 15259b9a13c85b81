"""A read-only hub (a secondary Koji as Koschei sees it) and createrepo failures on demand."""

from __future__ import annotations

import time

import koji
import pytest

from kojisim.pytest_plugin import SMALL_SCENARIO

CLOSED, FAILED = koji.TASK_STATES["CLOSED"], koji.TASK_STATES["FAILED"]


@pytest.fixture
def read_only_hub(kojisim_server):
    return kojisim_server(SMALL_SCENARIO, extra=["--read-only"])


def wait_finished(hub, task_id, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = hub.getTaskInfo(task_id)
        if info["state"] in (CLOSED, FAILED):
            return info
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not finish")


def test_a_read_only_hub_refuses_writes_with_a_koji_fault_and_counts_them(read_only_hub):
    admin = read_only_hub.session("kojiadmin")
    before = read_only_hub.sim("status")
    with pytest.raises(koji.ActionNotAllowed, match="newRepo: this hub is read-only"):
        admin.newRepo("f42-build")
    with pytest.raises(koji.ActionNotAllowed, match="build: this hub is read-only"):
        admin.build("../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm", "f42", {})
    status = read_only_hub.sim("status")
    assert status["read_only"] is True
    assert status["refused_writes"] == {"newRepo": 1, "build": 1}
    assert status["tasks"] == before["tasks"] and status["repos"] == before["repos"]


def test_a_read_only_hub_answers_reads_and_its_simulator_controls(read_only_hub):
    hub = read_only_hub.session()
    first = hub.getRepo("f42-build", state=koji.REPO_STATES["READY"])
    repo = read_only_hub.sim("regenRepo", "f42-build")
    assert repo["id"] > first["id"]
    assert hub.getRepo("f42-build", state=koji.REPO_STATES["READY"])["id"] == repo["id"]
    assert read_only_hub.sim("status")["refused_writes"] == {}


def test_a_writable_hub_refuses_nothing(kojisim_fresh):
    admin = kojisim_fresh.session("kojiadmin")
    task_id = admin.newRepo("f42-build")
    assert wait_finished(admin, task_id)["state"] == CLOSED
    status = kojisim_fresh.sim("status")
    assert status["read_only"] is False and status["refused_writes"] == {}


def test_fail_repos_makes_the_next_new_repo_task_fail_and_the_one_after_succeed(kojisim_fresh):
    admin = kojisim_fresh.session("kojiadmin")
    ready = admin.getRepo("f42-build", state=koji.REPO_STATES["READY"])
    assert kojisim_fresh.sim("failRepos", "f42-build", 1) == 1
    failed = admin.newRepo("f42-build")
    assert wait_finished(admin, failed)["state"] == FAILED
    assert {c["state"] for c in admin.getTaskChildren(failed)} == {FAILED}
    with pytest.raises(koji.GenericError, match="createrepo failed"):
        admin.getTaskResult(failed)
    # the failed repo is never the tag's latest READY one
    assert admin.getRepo("f42-build", state=koji.REPO_STATES["READY"])["id"] == ready["id"]
    closed = admin.newRepo("f42-build")
    assert wait_finished(admin, closed)["state"] == CLOSED
    repo_id, _event = admin.getTaskResult(closed)
    assert admin.getRepo("f42-build", state=koji.REPO_STATES["READY"])["id"] == repo_id
    assert kojisim_fresh.sim("status")["failing_repos"] == {"f42-build": 0}


def test_a_read_only_hub_refuses_writes_inside_a_multicall_too(read_only_hub):
    admin = read_only_hub.session("kojiadmin")
    with admin.multicall(strict=False) as batch:
        repo = batch.getRepo("f42-build")
        refused = batch.newRepo("f42-build")
    assert repo.result["state"] == koji.REPO_STATES["READY"]
    with pytest.raises(koji.ActionNotAllowed):
        refused.result  # noqa: B018
    assert read_only_hub.sim("status")["refused_writes"] == {"newRepo": 1}


def test_external_repos_are_created_added_to_a_tag_listed_and_removed(kojisim_fresh):
    admin = kojisim_fresh.session("kojiadmin")
    created = admin.createExternalRepo("f42-7", "http://example.test/repos/f42-build/7/$arch")
    assert created == {
        "id": created["id"],
        "name": "f42-7",
        "url": "http://example.test/repos/f42-build/7/$arch/",
    }
    assert admin.getExternalRepo("f42-7") == created
    assert admin.getExternalRepo("nope") is None
    with pytest.raises(koji.GenericError, match="already exists"):
        admin.createExternalRepo("f42-7", "http://elsewhere.test/")
    admin.addExternalRepoToTag("f42-build", "f42-7", 0)
    [link] = admin.getTagExternalRepos("f42-build")
    assert (link["external_repo_name"], link["url"], link["priority"]) == (
        "f42-7",
        created["url"],
        0,
    )
    assert admin.getExternalRepoList("f42-build") == [link]
    with pytest.raises(koji.GenericError, match="already associated"):
        admin.addExternalRepoToTag("f42-build", "f42-7", 5)
    admin.removeExternalRepoFromTag("f42-build", "f42-7")
    assert admin.getTagExternalRepos("f42-build") == []
    with pytest.raises(koji.GenericError, match="not associated"):
        admin.removeExternalRepoFromTag("f42-build", "f42-7")


def test_external_repos_need_the_admin_permission(kojisim_fresh):
    user = kojisim_fresh.session("koschei")
    with pytest.raises(koji.ActionNotAllowed, match="admin permission required"):
        user.createExternalRepo("x", "http://example.test/")
