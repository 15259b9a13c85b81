"""The real koji client against kojisim: read-only hub methods, lookups, multicall, faults."""

from __future__ import annotations

import xmlrpc.client

import koji
import pytest


@pytest.fixture
def hub(kojisim_server):
    session = kojisim_server().session()
    yield session
    session.rsession.close()


def test_api_version_and_hub_version_are_koji_like(hub):
    assert hub.getAPIVersion() == koji.API_VERSION
    assert hub.hub_version >= (1, 35)
    assert hub.getKojiVersion().startswith("1.")


def test_build_target_names_build_and_destination_tags(hub):
    target = hub.getBuildTarget("f42")
    assert target == {
        "id": target["id"],
        "name": "f42",
        "build_tag": target["build_tag"],
        "build_tag_name": "f42-build",
        "dest_tag": target["dest_tag"],
        "dest_tag_name": "f42",
    }
    assert hub.getBuildTargets() == [target]
    assert hub.getBuildTargets(buildTagID="f42-build") == [target]
    assert hub.getBuildTarget("nope") is None
    with pytest.raises(koji.GenericError, match="No such build target"):
        hub.getBuildTarget("nope", strict=True)


def test_tag_lookups_are_lenient_unless_strict(hub):
    tag = hub.getTag("f42-build")
    assert tag["name"] == "f42-build"
    assert tag["arches"] == "x86_64 aarch64"
    assert set(tag) >= {
        "id",
        "perm_id",
        "perm",
        "locked",
        "maven_support",
        "maven_include_all",
        "extra",
    }
    assert hub.getTag(tag["id"])["name"] == "f42-build"
    assert hub.getTag("missing") is None
    with pytest.raises(koji.GenericError, match="No such tagInfo"):
        hub.getTag("missing", strict=True)


def test_build_config_inherits_arches_and_reports_where_from(hub):
    config = hub.getBuildConfig("f42-build")
    assert config["arches"] == "x86_64 aarch64"
    assert config["config_inheritance"] == {"extra": {}, "arches": None}
    assert hub.getFullInheritance("f42-build")[0]["name"] == "f42"


def test_latest_ready_repo_and_its_info(hub):
    repo = hub.getRepo("f42-build", state=koji.REPO_READY)
    assert set(repo) == {
        "id",
        "state",
        "task_id",
        "create_event",
        "creation_time",
        "create_ts",
        "dist",
    }
    info = hub.repoInfo(repo["id"])
    assert info["tag_name"] == "f42-build"
    assert info["state"] == koji.REPO_READY
    assert info["create_event"] == repo["create_event"]
    assert hub.repoInfo(999999) is None
    with pytest.raises(koji.GenericError):
        hub.repoInfo(999999, strict=True)
    with pytest.raises(koji.GenericError):
        hub.getRepo("missing-tag")


def test_build_group_at_the_repo_create_event(hub):
    repo = hub.getRepo("f42-build")
    groups = hub.getTagGroups("f42-build", event=repo["create_event"])
    build = next(g for g in groups if g["name"] == "build")
    names = sorted(p["package"] for p in build["packagelist"])
    assert names == ["bash", "coreutils", "gcc", "make", "redhat-rpm-config", "rpm-build"]
    assert {p["type"] for p in build["packagelist"]} == {"mandatory"}
    assert set(build) >= {
        "group_id",
        "tag_id",
        "blocked",
        "display_name",
        "grouplist",
        "uservisible",
    }


def test_srpm_build_requires_with_rpmlib_deps(hub):
    deps = hub.getRPMDeps("foo-1.0-1.fc42.src", koji.DEP_REQUIRE)
    assert {"name": "bar-devel", "version": "1.5", "flags": 12, "type": 0} in deps
    rpmlib = [d for d in deps if d["name"].startswith("rpmlib(")]
    assert rpmlib and all(d["flags"] & (1 << 24) for d in rpmlib)
    assert hub.getRPMDeps("missing-1-1.src") == []
    with pytest.raises(koji.GenericError):
        hub.getRPMDeps("missing-1-1.src", strict=True)


def test_binary_deps_include_provides_and_requires(hub):
    deps = hub.getRPMDeps("bar-devel-2.0-1.fc42.x86_64")
    types = {(d["name"], d["type"]) for d in deps}
    assert ("bar-devel", koji.DEP_PROVIDE) in types
    assert ("bar", koji.DEP_REQUIRE) in types


def test_srpm_arch_headers(hub):
    headers = ["BUILDARCHS", "EXCLUDEARCH", "EXCLUSIVEARCH"]
    assert hub.getRPMHeaders(rpmID="baz-0.5-2.fc42.src", headers=headers) == {
        "BUILDARCHS": ["noarch"],
        "EXCLUDEARCH": [],
        "EXCLUSIVEARCH": [],
    }
    assert hub.getRPMHeaders(rpmID="qux-3.1-1.fc42.src", headers=headers)["EXCLUSIVEARCH"] == [
        "x86_64"
    ]
    assert hub.getRPMHeaders(rpmID="missing-1-1.src", headers=headers) == {}
    with pytest.raises(koji.GenericError):
        hub.getRPMHeaders(rpmID="foo-1.0-1.fc42.src", headers=["NOSUCHHEADER"])


def test_channels_and_hosts_for_the_load_check(hub):
    channel = hub.getChannel("default")
    assert set(channel) == {"id", "name", "description", "enabled", "comment"}
    assert hub.getChannel("missing") is None
    hosts = hub.listHosts(["x86_64", "aarch64"], channel["id"], enabled=True)
    assert {h["name"] for h in hosts} == {"builder-x86-01", "builder-arm-01", "builder-down"}
    down = next(h for h in hosts if h["name"] == "builder-down")
    assert down["ready"] is False
    assert hub.listHosts(["aarch64"])[0]["name"] == "builder-arm-01"
    assert hub.getHost("builder-x86-01")["capacity"] == 4.0
    assert hub.getHost("missing") is None
    with pytest.raises(koji.GenericError):
        hub.getHost("missing", strict=True)


def test_package_list_with_blocked_entries(hub):
    packages = hub.listPackages(tagID="f42", inherited=True)
    by_name = {p["package_name"]: p for p in packages}
    assert by_name["retired"]["blocked"] is True
    assert by_name["foo"]["blocked"] is False
    assert by_name["foo"]["owner_name"] == "releng"
    inherited = hub.listPackages(tagID="f42-build", inherited=True)
    assert {p["package_name"] for p in inherited} == set(by_name)
    assert hub.listPackages(tagID="f42-build", inherited=False) == []
    with pytest.raises(koji.GenericError):
        hub.listPackages(tagID="missing")


def test_list_tagged_latest_with_inheritance(hub):
    latest = hub.listTagged("f42", latest=True, inherit=True)
    names = [b["name"] for b in latest]
    assert len(names) == len(set(names))
    bar = hub.listTagged("f42", latest=True, package="bar", inherit=True)
    assert [b["nvr"] for b in bar] == ["bar-2.0-1.fc42"]
    every_bar = hub.listTagged("f42", package="bar")
    assert [b["nvr"] for b in every_bar] == ["bar-2.0-1.fc42", "bar-1.0-1.fc41"]
    assert bar[0]["tag_name"] == "f42"
    assert bar[0]["task_id"]
    assert hub.listTagged("f42-build", latest=True, package="bar", inherit=True) == [
        {**bar[0], "tag_id": bar[0]["tag_id"]}
    ]
    assert hub.listTagged("missing", strict=False) == []


def test_list_tagged_at_an_older_event(hub):
    old_bar = hub.listTagged("f42", package="bar")[-1]
    at_first_tagging = hub.listTagged(
        "f42", event=old_bar["create_event"], package="bar", latest=True
    )
    assert [b["nvr"] for b in at_first_tagging] == ["bar-1.0-1.fc41"]


def test_builds_and_rpms(hub):
    build = hub.getBuild("foo-1.0-1.fc42")
    assert (
        build
        == hub.getBuild(build["id"])
        == hub.getBuild({"name": "foo", "version": "1.0", "release": "1.fc42"})
    )
    assert build["state"] == koji.BUILD_STATES["COMPLETE"]
    assert hub.getBuild("foo-9-9") is None
    with pytest.raises(koji.GenericError, match="No such build"):
        hub.getBuild("foo-9-9", strict=True)
    srpms = hub.listRPMs(buildID=build["id"], arches="src")
    assert [r["nvr"] for r in srpms] == ["foo-1.0-1.fc42"]
    arches = sorted(r["arch"] for r in hub.listRPMs(buildID=build["id"]))
    assert arches == ["aarch64", "noarch", "src", "x86_64"]
    rpm = hub.getRPM("foo-1.0-1.fc42.x86_64")
    assert rpm["build_id"] == build["id"]
    assert hub.getRPM("foo-1.0-1.fc42.ppc64") is None
    listed = hub.listBuilds(packageID="bar")
    assert [b["nvr"] for b in listed] == ["bar-1.0-1.fc41", "bar-2.0-1.fc42"]
    assert "id" not in listed[0] and "build_id" in listed[0]
    assert [t["name"] for t in hub.listTags(build="foo-1.0-1.fc42")] == ["f42"]


def test_imported_builds_have_tasks_whose_children_name_a_repo(hub):
    build = hub.getBuild("foo-1.0-1.fc42")
    task = hub.getTaskInfo(build["task_id"], request=True)
    assert task["method"] == "build"
    assert task["state"] == koji.TASK_STATES["CLOSED"]
    children = hub.getTaskChildren(build["task_id"], request=True)
    assert {c["arch"] for c in children} == {"x86_64", "aarch64"}
    repo = hub.getRepo("f42-build")
    assert all(
        c["method"] == "buildArch" and c["request"][4]["repo_id"] == repo["id"] for c in children
    )


def test_task_lookups(hub):
    assert hub.getTaskInfo(123456789) is None
    with pytest.raises(koji.GenericError):
        hub.getTaskInfo(123456789, strict=True)
    assert hub.getTaskChildren(123456789) == []
    with pytest.raises(koji.GenericError, match="No such task"):
        hub.getTaskResult(123456789)
    build = hub.getBuild("bash-5.2.26-1.fc42")
    assert hub.getTaskInfo([build["task_id"], 123456789])[1] is None


def test_users_and_anonymous_sessions(hub):
    assert hub.getLoggedInUser() is None
    assert hub.getUser("koschei")["name"] == "koschei"
    assert hub.getUser("missing") is None
    with pytest.raises(koji.GenericError):
        hub.getUser("missing", strict=True)
    with pytest.raises(koji.GenericError, match="No user provided"):
        hub.getUser()


def test_events(hub):
    last = hub.getLastEvent()
    assert set(last) == {"id", "ts"}
    repo = hub.getRepo("f42-build")
    before = hub.getLastEvent(before=repo["create_ts"] + 0.5)
    assert before["id"] >= repo["create_event"]
    with pytest.raises(koji.GenericError):
        hub.getLastEvent(before=1.0)
    assert hub.getEvent(repo["create_event"])["ts"] == repo["create_ts"]


def test_unknown_method_and_bad_arguments(hub):
    with pytest.raises(koji.GenericError, match="Invalid method: noSuchMethod"):
        hub.noSuchMethod()
    with pytest.raises(koji.ParameterError, match="unexpected keyword argument"):
        hub.getTag("f42", nonsense=True)
    with pytest.raises(koji.ParameterError):
        hub.getTag()


def test_new_style_multicall_collects_results_and_faults(hub):
    with hub.multicall() as m:
        target = m.getBuildTarget("f42")
        missing = m.getTag("missing", strict=True)
        bad = m.noSuchMethod()
    assert target.result["name"] == "f42"
    with pytest.raises(koji.GenericError, match="No such tagInfo"):
        _ = missing.result
    with pytest.raises(koji.GenericError, match="Invalid method"):
        _ = bad.result


def test_multicall_in_batches_and_strict(hub):
    m = hub.multicall(batch=2)
    calls = [m.getTag(name) for name in ("f42", "f42-build", "missing")]
    m.call_all()
    assert [c.result["name"] if c.result else None for c in calls] == ["f42", "f42-build", None]
    with pytest.raises(koji.GenericError), hub.multicall(strict=True) as strict:
        strict.getTag("missing", strict=True)


def test_legacy_multicall(hub):
    hub.multicall = True
    hub.getAPIVersion()
    hub.getTag("missing", strict=True)
    results = hub.multiCall()
    assert results[0] == [koji.API_VERSION]
    assert results[1]["faultCode"] == koji.GenericError.faultCode


def test_system_list_methods_covers_what_koschei_calls(hub):
    methods = set(hub.system.listMethods())
    koschei = {
        "getAPIVersion",
        "multiCall",
        "getBuildTarget",
        "getBuildTargets",
        "getTag",
        "getBuildConfig",
        "getRepo",
        "repoInfo",
        "getTagGroups",
        "getRPMDeps",
        "getRPMHeaders",
        "getChannel",
        "listHosts",
        "getHost",
        "listPackages",
        "listTagged",
        "listRPMs",
        "listBuilds",
        "getBuild",
        "getRPM",
        "build",
        "getTaskInfo",
        "getTaskChildren",
        "getTaskResult",
        "listTasks",
        "listTaskOutput",
        "cancelTask",
        "getUser",
        "getLoggedInUser",
        "listTags",
        "getLastEvent",
        "login",
        "sslLogin",
        "logout",
    }
    assert koschei - {"multiCall"} <= methods


def test_raw_xmlrpc_client_sees_koji_faults(kojisim_server):
    with (
        xmlrpc.client.ServerProxy(kojisim_server().url, allow_none=True) as proxy,
        pytest.raises(xmlrpc.client.Fault) as info,
    ):
        proxy.getTag("missing", {"strict": True, "__starstar": True})
    assert info.value.faultCode == koji.GenericError.faultCode
