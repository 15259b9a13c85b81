"""Repos: repodata that librepo and hawkey read, regeneration, expiry, history by event."""

from __future__ import annotations

import gzip
import time

import hawkey
import koji
import librepo
import pytest


def download(topurl, tag, repo_id, arch, dest):
    dest.mkdir(parents=True, exist_ok=True)
    handle = librepo.Handle()
    handle.urls = [f"{topurl}/repos/{tag}/{repo_id}/{arch}"]
    handle.repotype = librepo.YUMREPO
    handle.destdir = str(dest)
    handle.yumdlist = ["primary", "filelists", "group", "group_gz"]
    handle.checksum = True
    result = librepo.Result()
    handle.perform(result)
    return result.yum_repo


def load_sack(yum_repo, cachedir):
    sack = hawkey.Sack(arch="x86_64", cachedir=str(cachedir))
    with pytest.warns(DeprecationWarning, match="hawkey.Repo is deprecated"):
        repo = hawkey.Repo("kojisim")
    repo.repomd_fn = yum_repo["repomd"]
    repo.primary_fn = yum_repo["primary"]
    repo.filelists_fn = yum_repo["filelists"]
    sack.load_repo(repo, load_filelists=True)
    return sack


def test_repodata_is_readable_by_librepo_and_hawkey(kojisim_server, tmp_path):
    server = kojisim_server()
    repo = server.session().getRepo("f42-build")
    yum_repo = download(server.topurl, "f42-build", repo["id"], "x86_64", tmp_path / "repo")
    assert yum_repo["group"].endswith("comps.xml")
    with gzip.open(yum_repo["group_gz"], "rt") as handle:
        assert "<id>build</id>" in handle.read()
    sack = load_sack(yum_repo, tmp_path / "cache")
    names = {p.name for p in hawkey.Query(sack)}
    assert {"foo", "foo-doc", "bar", "bar-devel", "gcc", "python3-baz"} <= names
    assert "foo" in {p.name for p in hawkey.Query(sack).filter(arch="x86_64")}
    assert hawkey.Query(sack).filter(file="/usr/include/bar.h").run()[0].name == "bar-devel"
    goal = hawkey.Goal(sack)
    for requirement in ("bar-devel >= 1.5", "gcc", "make"):
        goal.install(select=hawkey.Selector(sack).set(provides=requirement))
    assert goal.run()
    assert {p.name for p in goal.list_installs()} >= {"bar", "bar-devel", "glibc", "binutils"}


def test_aarch64_repo_has_its_own_binaries_and_shared_noarch(kojisim_server, tmp_path):
    server = kojisim_server()
    repo = server.session().getRepo("f42-build")
    sack_repo = download(server.topurl, "f42-build", repo["id"], "aarch64", tmp_path / "repo")
    sack = hawkey.Sack(arch="aarch64", cachedir=str(tmp_path / "cache"))
    with pytest.warns(DeprecationWarning, match="hawkey.Repo is deprecated"):
        hrepo = hawkey.Repo("arm")
    hrepo.repomd_fn, hrepo.primary_fn = sack_repo["repomd"], sack_repo["primary"]
    sack.load_repo(hrepo)
    arches = {p.arch for p in hawkey.Query(sack)}
    assert arches == {"aarch64", "noarch"}
    assert "qux" not in {p.name for p in hawkey.Query(sack)}  # ExclusiveArch: x86_64


def test_blocked_packages_and_untagged_builds_leave_the_next_repo(kojisim_fresh, tmp_path):
    server = kojisim_fresh
    hub = server.session()
    server.sim("blockPackage", "f42", "flaky")
    server.sim("untagBuild", "f42", "broken-0.1-1.fc42")
    repo = server.sim("regenRepo", "f42-build")
    yum_repo = download(server.topurl, "f42-build", repo["id"], "x86_64", tmp_path)
    with gzip.open(yum_repo["primary"], "rt") as handle:
        primary = handle.read()
    assert "<name>flaky</name>" not in primary
    assert "<name>broken</name>" not in primary
    assert "<name>foo</name>" in primary
    assert hub.listPackages(tagID="f42", pkgID="flaky")[0]["blocked"] is True
    server.sim("unblockPackage", "f42", "flaky")
    assert hub.listPackages(tagID="f42", pkgID="flaky")[0]["blocked"] is False


def test_tag_changes_regenerate_the_repo_after_a_delay(kojisim_fresh):
    server = kojisim_fresh
    hub = server.session()
    first = hub.getRepo("f42-build")
    build = server.sim("newBuild", "bar", {"version": "3.0"})
    assert build["nvr"] == "bar-3.0-1.fc42"
    assert hub.getRepo("f42-build")["id"] == first["id"]
    server.sim("advanceClock", 31)
    newer = _wait_for_new_repo(server, hub, first["id"])
    assert newer["create_event"] > first["create_event"]
    assert hub.repoInfo(first["id"])["state"] == koji.REPO_EXPIRED
    done = server.sim("listMessages", "buildsys.repo.done")
    assert done[-1]["body"] == {
        "tag": "f42-build",
        "tag_id": newer_tag_id(hub),
        "repo_id": newer["id"],
        "base_url": server.url.rsplit("/", 1)[0],
        "instance": "primary",
    }


def newer_tag_id(hub):
    return hub.getTag("f42-build")["id"]


def _wait_for_new_repo(server, hub, old_id):
    deadline = time.monotonic() + 30  # the repo is written by a worker thread
    while time.monotonic() < deadline:
        repo = hub.getRepo("f42-build")
        if repo["id"] != old_id:
            return repo
        time.sleep(0.05)
    pytest.fail("no new repo")


def test_old_repos_expire_and_are_deleted(kojisim_fresh, tmp_path):
    server = kojisim_fresh
    hub = server.session()
    ids = [hub.getRepo("f42-build")["id"]]
    ids += [server.sim("regenRepo", "f42-build")["id"] for _ in range(3)]
    states = [hub.repoInfo(i)["state"] for i in ids]
    assert states == [koji.REPO_DELETED, koji.REPO_EXPIRED, koji.REPO_EXPIRED, koji.REPO_READY]
    assert hub.getRepo("f42-build")["id"] == ids[-1]
    assert not (server.state_dir / "repos" / "f42-build" / str(ids[0])).exists()
    with pytest.raises(librepo.LibrepoException):
        download(server.topurl, "f42-build", ids[0], "x86_64", tmp_path)
    assert {r["id"] for r in hub.getActiveRepos()} == set(ids[1:])


def test_build_group_history_by_event(kojisim_fresh):
    server = kojisim_fresh
    hub = server.session()
    old = hub.getRepo("f42-build")
    server.sim("groupPackage", "f42-build", "build", "python3")
    server.sim("groupPackage", "f42-build", "build", "make", "block")
    new = server.sim("regenRepo", "f42-build")

    def build_group(event):
        groups = hub.getTagGroups("f42-build", event=event)
        return sorted(
            p["package"] for g in groups if g["name"] == "build" for p in g["packagelist"]
        )

    assert "python3" not in build_group(old["create_event"])
    assert "make" in build_group(old["create_event"])
    assert "python3" in build_group(new["create_event"])
    assert "make" not in build_group(new["create_event"])
    blocked = hub.getTagGroups("f42-build", incl_blocked=True)
    make = [
        p
        for g in blocked
        if g["name"] == "build"
        for p in g["packagelist"]
        if p["package"] == "make"
    ]
    assert make[0]["blocked"] is True


def test_get_repo_at_an_event_and_newest_first(kojisim_fresh):
    server = kojisim_fresh
    hub = server.session()
    first = hub.getRepo("f42-build")
    second = server.sim("regenRepo", "f42-build")
    assert hub.getRepo("f42-build", event=first["create_event"])["id"] == first["id"]
    assert hub.getRepo("f42-build", event=second["create_event"])["id"] == second["id"]
    assert hub.getRepo("f42-build", state=koji.REPO_EXPIRED)["id"] == first["id"]
    assert hub.getRepo("f42", state=koji.REPO_READY) is None


def test_new_repo_tasks_have_createrepo_children_naming_the_repo(kojisim_fresh):
    server = kojisim_fresh
    hub = server.session()
    repo = server.sim("regenRepo", "f42-build")
    task = hub.getTaskInfo(repo["task_id"], request=True)
    assert (task["method"], task["state"], task["request"]) == (
        "newRepo",
        koji.TASK_STATES["CLOSED"],
        ["f42-build"],
    )
    children = hub.getTaskChildren(repo["task_id"], request=True)
    assert sorted(c["request"][1] for c in children) == ["aarch64", "x86_64"]
    assert {c["method"] for c in children} == {"createrepo"}
    assert {c["request"][0] for c in children} == {repo["id"]}
    assert hub.getTaskResult(repo["task_id"]) == [repo["id"], repo["create_event"]]
