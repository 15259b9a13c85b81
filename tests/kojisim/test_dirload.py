"""Loading a distribution from a repo directory (repodata + sources.json.gz)."""

from __future__ import annotations

import gzip
import hashlib
import json

import createrepo_c as cr
import koji
import librepo
import pytest

BINARIES = [
    # name, version, release, arch, sourcerpm, provides, requires, files
    (
        "bash",
        "5.2",
        "1.fc42",
        "x86_64",
        "bash-5.2-1.fc42.src.rpm",
        ["/bin/sh"],
        [],
        ["/usr/bin/bash"],
    ),
    ("gcc", "14.1", "1.fc42", "x86_64", "gcc-14.1-1.fc42.src.rpm", [], ["bash"], ["/usr/bin/gcc"]),
    (
        "libfoo",
        "2.0",
        "3.fc42",
        "x86_64",
        "foo-2.0-3.fc42.src.rpm",
        ["libfoo.so.2()(64bit)"],
        [],
        [],
    ),
    (
        "libfoo-devel",
        "2.0",
        "3.fc42",
        "x86_64",
        "foo-2.0-3.fc42.src.rpm",
        [],
        ["libfoo"],
        ["/usr/include/foo.h"],
    ),
    (
        "app",
        "1.0",
        "1.fc42",
        "x86_64",
        "app-1.0-1.fc42.src.rpm",
        [],
        ["libfoo.so.2()(64bit)"],
        ["/usr/bin/app"],
    ),
    (
        "app-data",
        "1.0",
        "1.fc42",
        "noarch",
        "app-1.0-1.fc42.src.rpm",
        [],
        [],
        ["/usr/share/app/data"],
    ),
    ("orphan", "0.1", "1", "noarch", "orphan-0.1-1.src.rpm", [], [], []),
]
SOURCES = {
    "build_group": ["bash", "gcc"],
    "packages": [
        {
            "name": "bash",
            "epoch": None,
            "version": "5.2",
            "release": "1.fc42",
            "build_requires": [],
        },
        {
            "name": "gcc",
            "epoch": None,
            "version": "14.1",
            "release": "1.fc42",
            "build_requires": ["bash"],
        },
        {
            "name": "foo",
            "epoch": 1,
            "version": "2.0",
            "release": "3.fc42",
            "build_requires": ["gcc"],
        },
        {
            "name": "app",
            "epoch": None,
            "version": "1.0",
            "release": "1.fc42",
            "build_requires": ["libfoo-devel >= 2", "/usr/bin/gcc", "(pkgconfig(x) or bash)"],
        },
        {"name": "docs-only", "epoch": None, "version": "3", "release": "1", "build_requires": []},
    ],
}


def _package(name, version, release, arch, sourcerpm, provides, requires, files):
    pkg = cr.Package()
    pkg.pkgId = hashlib.sha256(f"{name}-{version}-{release}.{arch}".encode()).hexdigest()
    pkg.checksum_type = "sha256"
    pkg.name, pkg.epoch, pkg.version, pkg.release, pkg.arch = name, "0", version, release, arch
    pkg.summary = pkg.description = name
    pkg.rpm_sourcerpm = sourcerpm
    pkg.location_href = f"Packages/{name}-{version}-{release}.{arch}.rpm"
    pkg.provides = [(name, "EQ", "0", version, release, False)] + [
        (p, None, None, None, None, False) for p in provides
    ]
    pkg.requires = [(r, None, None, None, None, False) for r in requires]
    pkg.files = [("", f.rsplit("/", 1)[0] + "/", f.rsplit("/", 1)[1]) for f in files]
    return pkg


def make_repo_dir(path, binaries=BINARIES, sources=SOURCES):
    repodata = path / "repodata"
    repodata.mkdir(parents=True)
    packages = [_package(*b) for b in binaries]
    repomd = cr.Repomd()
    for kind, cls in (("primary", cr.PrimaryXmlFile), ("filelists", cr.FilelistsXmlFile)):
        target = repodata / f"{kind}.xml.gz"
        writer = cls(str(target), cr.GZ_COMPRESSION)
        writer.set_num_of_pkgs(len(packages))
        for pkg in packages:
            writer.add_pkg(pkg)
        writer.close()
        record = cr.RepomdRecord(kind, str(target))
        record.fill(cr.SHA256)
        repomd.set_record(record)
    (repodata / "repomd.xml").write_text(repomd.xml_dump())
    with gzip.open(path / "sources.json.gz", "wt") as handle:
        json.dump(sources, handle)
    return path


@pytest.fixture
def server(kojisim_server, tmp_path):
    return kojisim_server(make_repo_dir(tmp_path / "distro"))


def test_sources_become_tagged_builds_with_their_binaries(server):
    hub = server.session()
    assert hub.getBuildTarget("sim")["build_tag_name"] == "sim-build"
    tagged = {b["nvr"]: b for b in hub.listTagged("sim", latest=True)}
    assert set(tagged) == {
        "bash-5.2-1.fc42",
        "gcc-14.1-1.fc42",
        "foo-2.0-3.fc42",
        "app-1.0-1.fc42",
        "docs-only-3-1",
        "orphan-0.1-1",
    }
    assert tagged["foo-2.0-3.fc42"]["epoch"] == 1
    rpms = hub.listRPMs(buildID=tagged["app-1.0-1.fc42"]["id"])
    assert sorted(r["nvr"] + "." + r["arch"] for r in rpms) == [
        "app-1.0-1.fc42.src",
        "app-1.0-1.fc42.x86_64",
        "app-data-1.0-1.fc42.noarch",
    ]
    assert hub.listRPMs(buildID=tagged["docs-only-3-1"]["id"], arches="src")


def test_build_requires_come_from_the_source_list(server):
    hub = server.session()
    requires = [
        d
        for d in hub.getRPMDeps("app-1.0-1.fc42.src", koji.DEP_REQUIRE)
        if not d["name"].startswith("rpmlib(")
    ]
    assert requires == [
        {"name": "libfoo-devel", "version": "2", "flags": 12, "type": 0},
        {"name": "/usr/bin/gcc", "version": "", "flags": 0, "type": 0},
        {"name": "(pkgconfig(x) or bash)", "version": "", "flags": 0, "type": 0},
    ]
    groups = hub.getTagGroups("sim-build")
    assert sorted(p["package"] for p in groups[0]["packagelist"]) == ["bash", "gcc"]


def test_the_first_repo_serves_the_original_repodata(server, tmp_path):
    hub = server.session()
    repo = hub.getRepo("sim-build")
    served = server.state_dir / "repos" / "sim-build" / str(repo["id"]) / "x86_64" / "repodata"
    primary = next(p for p in served.iterdir() if p.name.endswith("primary.xml.gz"))
    assert primary.is_symlink()
    handle = librepo.Handle()
    handle.urls = [f"{server.topurl}/repos/sim-build/{repo['id']}/x86_64"]
    handle.repotype = librepo.YUMREPO
    handle.destdir = str(tmp_path)
    handle.yumdlist = ["primary", "filelists", "group"]
    handle.checksum = True
    result = librepo.Result()
    handle.perform(result)
    with open(result.yum_repo["group"]) as handle:
        assert "<id>build</id>" in handle.read()


def test_a_new_build_streams_the_base_packages_into_the_next_repo(server):
    hub = server.session()
    build = server.sim("newBuild", "foo", {"version": "2.1"})
    assert build["nvr"] == "foo-2.1-1.fc42"
    deps = hub.getRPMDeps("libfoo-devel-2.1-1.fc42.x86_64", koji.DEP_REQUIRE)
    assert [d["name"] for d in deps] == ["libfoo"]
    repo = server.sim("regenRepo", "sim-build")
    served = server.state_dir / "repos" / "sim-build" / str(repo["id"]) / "x86_64" / "repodata"
    primary = next(p for p in served.iterdir() if p.name.endswith("primary.xml.gz"))
    with gzip.open(primary, "rt") as handle:
        text = handle.read()
    assert 'ver="2.1"' in text and 'ver="2.0"' not in text
    assert "<name>app</name>" in text and "<name>orphan</name>" in text


def test_scratch_builds_resolve_against_loaded_packages(server):
    hub = server.session("koschei")
    task_id = hub.build(
        "../packages/app/1.0/1.fc42/src/app-1.0-1.fc42.src.rpm", "sim", {"scratch": True}
    )
    server.sim("finishTasks", [task_id])
    child = hub.getTaskChildren(task_id)[0]
    assert hub.getTaskInfo(task_id)["state"] == koji.TASK_STATES["CLOSED"], hub.downloadTaskOutput(
        child["id"], "root.log"
    )
    installed = {
        r["name"]
        for r in hub.listRPMs(componentBuildrootID=hub.listBuildroots(taskID=child["id"])[0]["id"])
    }
    assert {"libfoo-devel", "libfoo", "gcc", "bash"} <= installed


def _kernel(version, name="kernel-core"):
    return (name, version, "1.fc42", "x86_64", f"kernel-{version}-1.fc42.src.rpm", [], [], [])


def test_the_newest_of_two_listed_versions_is_latest_and_served(kojisim_server, tmp_path):
    # An index listing an old kernel's binaries (first, and without a source entry) beside
    # the current ones; 6.10 > 6.9 only in RPM's version order.
    old, new = _kernel("6.9.12"), _kernel("6.10.1")
    binaries = [old, _kernel("6.9.12", "kernel-modules"), *BINARIES, new]
    kernel = {"name": "kernel", "epoch": None, "version": "6.10.1", "release": "1.fc42"}
    sources = {**SOURCES, "packages": [*SOURCES["packages"], kernel]}
    server = kojisim_server(make_repo_dir(tmp_path / "distro", binaries, sources))
    hub = server.session()
    assert [b["nvr"] for b in hub.getLatestBuilds("sim", package="kernel")] == [
        "kernel-6.10.1-1.fc42"
    ]
    latest = {b["name"]: b["nvr"] for b in hub.listTagged("sim", latest=True)}
    assert latest["kernel"] == "kernel-6.10.1-1.fc42"
    assert len(hub.listTagged("sim", package="kernel")) == 2
    repo = hub.getRepo("sim-build")
    served = server.state_dir / "repos" / "sim-build" / str(repo["id"]) / "x86_64" / "repodata"
    primary = next(p for p in served.iterdir() if p.name.endswith("primary.xml.gz"))
    with gzip.open(primary, "rt") as handle:
        text = handle.read()
    assert 'ver="6.10.1"' in text and 'ver="6.9.12"' not in text
    assert "<name>app</name>" in text and "<name>orphan</name>" in text
    log = server.log_path.read_text()
    assert (
        f"repo {repo['id']} of sim-build differs from the given repodata: "
        "2 of its 10 binaries dropped" in log
    )


def test_the_first_repo_says_when_it_serves_the_given_repodata_unchanged(server):
    repo = server.session().getRepo("sim-build")
    log = server.log_path.read_text()
    assert f"repo {repo['id']} of sim-build serves the given repodata" in log
