"""The rest of the hub: helpers the koji CLI uses, tagging and package lists by users."""

from __future__ import annotations

import koji
import pytest

FOO = "../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm"


@pytest.fixture
def hub(kojisim_server):
    session = kojisim_server().session()
    yield session
    session.rsession.close()


def test_small_helpers(hub):
    assert hub.hello() == "Hello World"
    assert hub.echo(1, "a") == [1, "a"]
    assert hub.showSession() == "session: not logged in"
    assert hub.getTagID("f42") == hub.getTag("f42")["id"]
    assert hub.getPackage("foo")["name"] == "foo"
    assert hub.getPackageID("foo") == hub.getPackage("foo")["id"]
    assert hub.getPackageID("missing") is None
    assert hub.getPackageConfig("f42-build", "foo")["tag_name"] == "f42"
    assert hub.checkTagPackage("f42", "foo") is True
    assert hub.checkTagPackage("f42", "retired") is False
    assert hub.getInheritanceData("f42-build")[0]["name"] == "f42"
    assert hub.getTagExternalRepos("f42-build") == []
    assert hub.getExternalRepoList("f42-build") == []
    assert {"admin", "tag"} <= {p["name"] for p in hub.getAllPerms()}
    assert hub.getUserPerms("kojiadmin") == ["admin"]
    assert hub.hasPerm("admin") is False
    assert sorted(hub.getAllArches()) == ["aarch64", "i386", "x86_64"]
    assert {c["name"] for c in hub.listChannels()} >= {"default", "createrepo"}
    assert [c["name"] for c in hub.listChannels(hostID="builder-arm-01")] == [
        "default",
        "createrepo",
    ]
    assert hub.getLastHostUpdate(hub.getHost("builder-arm-01")["id"], ts=True) > 0


def test_build_helpers(hub):
    build = hub.getBuild("bar-2.0-1.fc42")
    assert hub.findBuildID("bar-2.0-1.fc42") == build["id"]
    assert hub.getBuildType(build["id"]) == {"rpm": None}
    assert hub.getMavenBuild(build["id"]) is None
    assert hub.getWinBuild(build["id"]) is None
    assert hub.getImageBuild(build["id"]) is None
    assert hub.listArchives(buildID=build["id"]) == []
    assert len(hub.listBuildRPMs("bar-2.0-1.fc42")) == len(hub.listRPMs(buildID=build["id"]))
    rpm = hub.getRPM("bar-2.0-1.fc42.x86_64")
    assert hub.queryRPMSigs(rpm_id=rpm["id"])[0]["sigkey"] == ""
    assert hub.getAverageBuildDuration("bar") is not None
    assert hub.getAverageBuildDuration("missing") is None
    assert [b["nvr"] for b in hub.getLatestBuilds("f42-build", package="bar")] == ["bar-2.0-1.fc42"]
    rpms, builds = hub.listTaggedRPMS("f42", package="bar", latest=True, arch=["src", "x86_64"])
    assert [b["nvr"] for b in builds] == ["bar-2.0-1.fc42"]
    assert sorted(r["arch"] for r in rpms) == ["src", "x86_64", "x86_64"]


def test_task_helpers(kojisim_fresh):
    server = kojisim_fresh
    koschei = server.session("koschei")
    task_id = koschei.build(FOO, "f42", {"scratch": True})
    assert koschei.taskFinished(task_id) is False
    server.sim("advanceClock", 1)
    server.sim("advanceClock", 1)
    assert server.sim("activeTasks")[0]["id"] == task_id
    descendents = koschei.getTaskDescendents(task_id)
    assert len(descendents[str(task_id)]) == 2
    koschei.cancelTaskChildren(task_id)
    server.sim("tick")
    assert koschei.getTaskInfo(task_id)["state"] == koji.TASK_STATES["FAILED"]
    assert koschei.taskFinished(task_id) is True
    child = descendents[str(task_id)][0]["id"]
    root = koschei.listBuildroots(taskID=child)[0]
    assert koschei.getBuildroot(root["id"])["task_id"] == child
    assert {r["name"] for r in koschei.getBuildrootListing(root["id"])} >= {"gcc", "bar-devel"}
    assert server.sim("setSpeed", 2.0) == 2.0
    assert server.sim("status")["speed"] == 2.0


def test_tagging_and_package_lists_need_permissions(kojisim_fresh):
    server = kojisim_fresh
    koschei = server.session("koschei")
    with pytest.raises(koji.ActionNotAllowed):
        koschei.packageListBlock("f42", "foo")
    with pytest.raises(koji.ActionNotAllowed):
        koschei.tagBuildBypass("f42", "foo-1.0-1.fc42")
    admin = server.session("kojiadmin")
    admin.packageListBlock("f42", "foo")
    assert admin.getPackageConfig("f42", "foo")["blocked"] is True
    assert admin.listTagged("f42", package="foo") == []
    admin.packageListUnblock("f42", "foo")
    admin.packageListAdd("f42", "newpkg", owner="alice")
    assert admin.getPackageConfig("f42", "newpkg")["owner_name"] == "alice"
    admin.packageListRemove("f42", "newpkg")
    assert admin.getPackageConfig("f42", "newpkg") is None


def test_tag_and_untag_builds(kojisim_fresh):
    server = kojisim_fresh
    admin = server.session("kojiadmin")
    admin.untagBuild("f42", "bar-2.0-1.fc42")
    assert [b["nvr"] for b in admin.listTagged("f42", latest=True, package="bar")] == [
        "bar-1.0-1.fc41"
    ]
    task_id = admin.tagBuild("f42", "bar-2.0-1.fc42")
    assert admin.getTaskInfo(task_id)["method"] == "tagBuild"
    assert [b["nvr"] for b in admin.listTagged("f42", latest=True, package="bar")] == [
        "bar-2.0-1.fc42"
    ]
    with pytest.raises(koji.TagError, match="already tagged"):
        admin.tagBuildBypass("f42", "bar-2.0-1.fc42")
    admin.untagBuildBypass("f42", "bar-2.0-1.fc42")
    with pytest.raises(koji.TagError, match="not in tag"):
        admin.untagBuild("f42", "bar-2.0-1.fc42")
    messages = [m["topic"].rsplit(".", 1)[1] for m in server.sim("listMessages")]
    assert messages[-3:] == ["untag", "tag", "untag"]


def test_new_repo_needs_the_repo_permission(kojisim_fresh):
    server = kojisim_fresh
    with pytest.raises(koji.ActionNotAllowed):
        server.session("koschei").newRepo("f42-build")
    admin = server.session("kojiadmin")
    task_id = admin.newRepo("f42-build")
    assert admin.getTaskInfo(task_id)["method"] == "newRepo"


def test_cancel_build(kojisim_fresh):
    server = kojisim_fresh
    failed = server.sim("newBuild", "foo", {"version": "5", "failed": True})
    koschei = server.session("koschei")
    task_id = koschei.build(f"../packages/foo/5/1.fc42/src/{failed['nvr']}.src.rpm", "f42")
    server.sim("advanceClock", 1)
    assert koschei.getBuild(failed["nvr"])["state"] == koji.BUILD_STATES["BUILDING"]
    with pytest.raises(koji.ActionNotAllowed, match="not owner"):
        koschei.cancelBuild(failed["nvr"])
    admin = server.session("kojiadmin")
    assert admin.cancelBuild(failed["nvr"]) is True
    assert admin.getBuild(failed["nvr"])["state"] == koji.BUILD_STATES["CANCELED"]
    assert admin.getTaskInfo(task_id)["state"] == koji.TASK_STATES["CANCELED"]
