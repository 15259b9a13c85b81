"""Loading a distribution from an existing repo directory plus a source list.

The directory holds ``repodata/`` (primary, filelists, ...) and ``sources.json[.gz]`` =
``{"build_group": [names], "packages": [{"name", "epoch", "version", "release",
"build_requires": [strings]}]}``.  Binaries are read from primary metadata with createrepo_c's
streaming parser and grouped into builds by their source RPM; the original repodata is served
for the first repo and streamed (filtered) into later ones, so ~60k binaries load quickly.
A package with builds at several versions (an index listing an old kernel's binaries beside
the current ones) has them tagged oldest first, so Koji's latest build is the newest.
"""

from __future__ import annotations

import gzip
import json
import logging
import sys
from functools import cmp_to_key
from pathlib import Path
from typing import Any

import createrepo_c as cr

from kojisim.core import history
from kojisim.core.model import BUILD_COMPLETE, Build, Rpm
from kojisim.core.rpmdeps import DEP_KINDS, compare_evr, dep_from_cr, join_evr, parse_deps
from kojisim.core.state import SimState
from kojisim.core.util import parse_nvr
from kojisim.engine import builders
from kojisim.repos.repogen import BaseRepodata

log = logging.getLogger(__name__)


def read_sources(path: Path) -> dict[str, Any]:
    """Read ``sources.json.gz`` or ``sources.json`` from a repo directory."""
    for name, opener in (("sources.json.gz", gzip.open), ("sources.json", open)):
        candidate = path / name
        if candidate.exists():
            with opener(candidate, "rt") as handle:
                data = json.load(handle)
            if not isinstance(data, dict):
                raise ValueError(f"{candidate}: expected a mapping")
            return data
    raise FileNotFoundError(f"{path}: no sources.json.gz or sources.json")


def scenario_for(path: Path, sources: dict[str, Any]) -> dict[str, Any]:
    """A minimal scenario (tags, target, build group, hosts) for a bare repo directory."""
    tag = str(sources.get("tag", "sim"))
    build_tag = str(sources.get("build_tag", f"{tag}-build"))
    arches = sources.get("arches", "x86_64")
    return {
        "name": path.name,
        "tags": [
            {"name": tag},
            {
                "name": build_tag,
                "parents": [tag],
                "arches": arches,
                "groups": {"build": list(sources.get("build_group") or [])},
            },
        ],
        "targets": [
            {"name": str(sources.get("target", tag)), "build_tag": build_tag, "dest_tag": tag}
        ],
        "hosts": [
            {
                "name": f"builder-{i:02d}",
                "arches": ["x86_64", "i386", "aarch64", "noarch"],
                "capacity": 8,
            }
            for i in range(1, 5)
        ],
    }


def rpm_from_cr(state: SimState, pkg: Any) -> Rpm:
    """A base rpm record (id assigned, no build yet) from a createrepo_c package."""
    deps: dict[str, Any] = {
        kind: tuple(dep_from_cr(entry) for entry in getattr(pkg, kind) or ()) for kind in DEP_KINDS
    }
    files = tuple(sys.intern(d + b) for _t, d, b in pkg.files or ())
    return Rpm(
        id=state.next_id("rpm"),
        build_id=0,
        name=sys.intern(pkg.name),
        version=pkg.version,
        release=pkg.release,
        epoch=None if pkg.epoch in (None, "", "0") else int(pkg.epoch),
        arch=sys.intern(pkg.arch),
        files=files,
        summary=pkg.summary or "",
        size=int(pkg.size_package or 0),
        buildtime=int(pkg.time_build or 0),
        pkgid=pkg.pkgId,
        payloadhash=pkg.pkgId[:32],
        sourcerpm=pkg.rpm_sourcerpm,
        origin="base",
        **deps,
    )


def read_binaries(state: SimState, base: BaseRepodata) -> list[Rpm]:
    """All binary packages of the primary metadata (ids assigned, builds not yet)."""
    out: list[Rpm] = []

    def done(pkg: Any) -> bool:
        out.append(rpm_from_cr(state, pkg))
        return True

    cr.xml_parse_primary(str(base.locations["primary"]), pkgcb=done, warningcb=None, do_files=True)
    return out


def populate(
    state: SimState, path: Path, tag_id: int, owner_id: int
) -> tuple[BaseRepodata, list[Build]]:
    """Create builds for every source and binary of the directory, tagged into ``tag_id``."""
    sources = read_sources(path)
    base = BaseRepodata.load(path / "repodata")
    binaries = read_binaries(state, base)
    log.info(
        "read %d binaries and %d sources from %s",
        len(binaries),
        len(sources.get("packages", [])),
        path,
    )
    event = state.new_event().id
    by_srpm: dict[str, list[Rpm]] = {}
    for rpm in binaries:
        by_srpm.setdefault(
            rpm.sourcerpm or f"{rpm.name}-{rpm.version}-{rpm.release}.src.rpm", []
        ).append(rpm)
    builds = _source_builds(state, sources, by_srpm, owner_id, event)
    for srpm_name, rpms in by_srpm.items():
        data = parse_nvr(srpm_name.removesuffix(".src.rpm"))
        build = make_build(
            state, data["name"], data["version"], data["release"], rpms[0].epoch, owner_id, event
        )
        add_srpm(state, build, [])
        attach(state, build, rpms)
        builds.append(build)
    builds = newest_last(builds)
    _tag_all(state, tag_id, builds, owner_id, event)
    return base, builds


def newest_last(builds: list[Build]) -> list[Build]:
    """The builds grouped by package, each package's in RPM's EVR order (newest last).

    They are tagged at one event, so the last tagged is Koji's latest (``listTagged``
    answers newest tagging first).
    """
    by_package: dict[int, list[Build]] = {}
    for build in builds:
        by_package.setdefault(build.package_id, []).append(build)
    order = cmp_to_key(_compare_builds)
    return [build for group in by_package.values() for build in sorted(group, key=order)]


def _compare_builds(left: Build, right: Build) -> int:
    return compare_evr(
        join_evr(left.epoch, left.version, left.release),
        join_evr(right.epoch, right.version, right.release),
    )


def _source_builds(
    state: SimState,
    sources: dict[str, Any],
    by_srpm: dict[str, list[Rpm]],
    owner_id: int,
    event: int,
) -> list[Build]:
    """Builds for the source list, taking their binaries out of ``by_srpm``."""
    builds: list[Build] = []
    for entry in sources.get("packages") or []:
        epoch = entry.get("epoch")
        nvr = f"{entry['name']}-{entry['version']}-{entry['release']}"
        build = make_build(
            state,
            str(entry["name"]),
            str(entry["version"]),
            str(entry["release"]),
            int(epoch) if epoch not in (None, "", 0, "0") else None,
            owner_id,
            event,
        )
        add_srpm(state, build, [str(d) for d in entry.get("build_requires") or []])
        attach(state, build, by_srpm.pop(f"{nvr}.src.rpm", []))
        builds.append(build)
    return builds


def make_build(
    state: SimState,
    name: str,
    version: str,
    release: str,
    epoch: int | None,
    owner_id: int,
    event: int,
) -> Build:
    """A COMPLETE build record (no rpms yet), created at ``event``."""
    package = builders.ensure_package(state, name)
    now = state.clock.now()
    build = Build(
        id=state.next_id("build"),
        package_id=package.id,
        name=package.name,
        version=version,
        release=release,
        epoch=epoch,
        state=BUILD_COMPLETE,
        owner_id=owner_id,
        create_event=event,
        creation_ts=now,
        start_ts=now,
        completion_ts=now,
    )
    return state.add_build(build)


def add_srpm(state: SimState, build: Build, build_requires: list[str]) -> None:
    """The build's source RPM, carrying its BuildRequires."""
    rpm = Rpm(
        id=state.next_id("rpm"),
        build_id=build.id,
        name=build.name,
        version=build.version,
        release=build.release,
        epoch=build.epoch,
        arch="src",
        requires=parse_deps(build_requires) + builders.RPMLIB_DEPS,
        pkgid=f"src-{build.id}",
        payloadhash=f"{build.id:032x}",
        origin="base",
    )
    state.add_rpm(rpm)


def attach(state: SimState, build: Build, rpms: list[Rpm]) -> None:
    """Register binary rpms as the build's."""
    for rpm in rpms:
        rpm.build_id = build.id
        state.add_rpm(rpm)


def _tag_all(state: SimState, tag_id: int, builds: list[Build], owner_id: int, event: int) -> None:
    listing = history.package_list(state, tag_id, inherit=True)
    for build in builds:
        if build.package_id not in listing:
            history.set_package_listing(state, tag_id, build.package_id, event, owner_id)
            listing[build.package_id] = []
        history.tag_build(state, tag_id, build, event, owner_id, force=True)
