"""Hub methods: builds, tagged builds, RPMs with their headers and dependencies, buildroots."""

from __future__ import annotations

import fnmatch
from typing import Any

import koji

from kojisim.core import history
from kojisim.core.model import Build, Rpm
from kojisim.core.rpmdeps import Dep
from kojisim.core.util import apply_query_opts, canon_arch, parse_time
from kojisim.hub import render
from kojisim.hub.registry import Call, export

DEP_TYPES = (
    ("requires", koji.DEP_REQUIRE),
    ("provides", koji.DEP_PROVIDE),
    ("conflicts", koji.DEP_CONFLICT),
    ("obsoletes", koji.DEP_OBSOLETE),
    ("suggests", koji.DEP_SUGGEST),
    ("enhances", koji.DEP_ENHANCE),
    ("supplements", koji.DEP_SUPPLEMENT),
    ("recommends", koji.DEP_RECOMMEND),
)


@export()
def getBuild(call: Call, buildInfo: Any, strict: bool = False) -> Any:
    build = call.sim.state.get_build(buildInfo, strict=strict)
    return None if build is None else render.build_info(call.sim.state, build)


@export()
def findBuildID(call: Call, X: Any, strict: bool = False) -> Any:
    build = call.sim.state.get_build(X, strict=strict)
    return None if build is None else build.id


@export()
def listBuilds(
    call: Call,
    packageID: Any = None,
    userID: Any = None,
    taskID: Any = None,
    prefix: Any = None,
    state: Any = None,
    volumeID: Any = None,
    source: Any = None,
    createdBefore: Any = None,
    createdAfter: Any = None,
    completeBefore: Any = None,
    completeAfter: Any = None,
    type: Any = None,
    typeInfo: Any = None,
    queryOpts: Any = None,
    pattern: Any = None,
    cgID: Any = None,
    draft: Any = None,
) -> Any:
    sim_state = call.sim.state
    builds = sorted(sim_state.builds.values(), key=lambda b: b.id)
    owners = {
        "package_id": (packageID, sim_state.get_package),
        "owner_id": (userID, sim_state.get_user),
    }
    for attr, (value, lookup) in owners.items():
        if value is not None:
            found = lookup(value)
            if found is None:
                return []
            builds = [b for b in builds if getattr(b, attr) == found.id]
    if taskID is not None:
        builds = [
            b for b in builds if (b.task_id is not None if taskID == -1 else b.task_id == taskID)
        ]
    if prefix:
        builds = [b for b in builds if b.name.lower().startswith(str(prefix).lower())]
    if pattern:
        builds = [b for b in builds if fnmatch.fnmatch(b.nvr.lower(), str(pattern).lower())]
    if state is not None:
        builds = [b for b in builds if b.state == int(state)]
    if type not in (None, "rpm"):
        builds = []
    times = (createdBefore, createdAfter, completeBefore, completeAfter)
    builds = [b for b in builds if _times_match(b, *times)]
    return apply_query_opts([render.list_build_row(sim_state, b) for b in builds], queryOpts)


def _times_match(build: Build, *limits: Any) -> bool:
    """createdBefore, createdAfter, completeBefore, completeAfter filters of listBuilds."""
    checks = zip(
        limits,
        ("creation_ts", "creation_ts", "completion_ts", "completion_ts"),
        (1, 0, 1, 0),
        strict=True,
    )
    for limit, attr, before in checks:
        if not limit:
            continue
        value = getattr(build, attr)
        if value is None or (value >= parse_time(limit) if before else value <= parse_time(limit)):
            return False
    return True


@export()
def listTagged(
    call: Call,
    tag: Any,
    event: Any = None,
    inherit: bool = False,
    prefix: Any = None,
    latest: Any = False,
    package: Any = None,
    owner: Any = None,
    type: Any = None,
    strict: bool = True,
    extra: bool = False,
    draft: Any = None,
) -> list[dict[str, Any]]:
    state = call.sim.state
    taginfo = state.get_tag(tag, strict=strict, event=event)
    if taginfo is None:
        return []
    rows = [
        render.tagged_row(state, entry, build)
        for entry, build in history.tagged_builds(
            state, taginfo.id, event, bool(inherit), latest, package
        )
    ]
    if owner:
        rows = [r for r in rows if r["owner_name"] == owner]
    if type not in (None, "rpm"):
        rows = []
    if prefix:
        rows = [r for r in rows if r["package_name"].lower().startswith(str(prefix).lower())]
    if extra:
        for row in rows:
            row["extra"] = state.builds[row["id"]].extra
    return rows


@export()
def listTaggedRPMS(
    call: Call,
    tag: Any,
    event: Any = None,
    inherit: bool = False,
    latest: Any = False,
    package: Any = None,
    arch: Any = None,
    rpmsigs: bool = False,
    owner: Any = None,
    type: Any = None,
    strict: bool = True,
    extra: bool = True,
    draft: Any = None,
) -> list[Any]:
    builds = listTagged(call, tag, event, inherit, None, latest, package, owner, type, strict)
    if not builds and call.sim.state.get_tag(tag, event=event) is None:
        return []
    arches = [arch] if isinstance(arch, str) else list(arch or [])
    rpms = []
    for build in builds:
        for rpm_id in call.sim.state.builds[build["id"]].rpm_ids:
            rpm = call.sim.state.rpms[rpm_id]
            if arches and rpm.arch not in arches:
                continue
            row = render.rpm_info(rpm)
            for key in ("nvr", "external_repo_id", "external_repo_name", "draft"):
                row.pop(key, None)
            if rpmsigs:
                row["sigkey"] = ""
            rpms.append(row)
    return [rpms, builds]


@export()
def getLatestBuilds(
    call: Call, tag: Any, event: Any = None, package: Any = None, type: Any = None
) -> Any:
    return listTagged(call, tag, event, True, None, True, package, None, type)


@export()
def listRPMs(
    call: Call,
    buildID: Any = None,
    buildrootID: Any = None,
    imageID: Any = None,
    componentBuildrootID: Any = None,
    hostID: Any = None,
    arches: Any = None,
    queryOpts: Any = None,
    draft: Any = None,
) -> Any:
    state = call.sim.state
    if arches is not None and not isinstance(arches, str | list | tuple):
        raise koji.GenericError(f'Invalid type for "arches" parameter: {type(arches)}')
    if buildID is not None:
        build = state.builds.get(int(buildID))
        rpms = [state.rpms[i] for i in build.rpm_ids] if build else []
    elif componentBuildrootID is not None:
        br = state.buildroots.get(int(componentBuildrootID))
        rpms = [state.rpms[i] for i in br.installed] if br else []
    elif imageID is not None or hostID is not None or buildrootID is not None:
        rpms = [
            r
            for r in state.rpms.values()
            if buildrootID is not None and r.buildroot_id == buildrootID
        ]
    else:
        rpms = list(state.rpms.values())
    if arches is not None:
        wanted = [arches] if isinstance(arches, str) else list(arches)
        rpms = [r for r in rpms if r.arch in wanted]
    rows = [render.rpm_info(r) for r in rpms]
    if componentBuildrootID is not None:
        for row in rows:
            row.update(component_buildroot_id=int(componentBuildrootID), is_update=False)
    return apply_query_opts(rows, queryOpts)


@export()
def listBuildRPMs(call: Call, build: Any) -> Any:
    binfo = call.sim.state.need_build(build)
    return listRPMs(call, buildID=binfo.id)


@export()
def getRPM(call: Call, rpminfo: Any, strict: bool = False, multi: bool = False) -> Any:
    rpm = call.sim.state.get_rpm(rpminfo, strict=strict)
    if multi:
        return [] if rpm is None else [render.rpm_info(rpm)]
    return None if rpm is None else render.rpm_info(rpm)


def _dep_row(dep: Dep, dep_type: int) -> dict[str, Any]:
    return {"name": dep.name, "version": dep.version, "flags": dep.flags, "type": dep_type}


@export()
def getRPMDeps(
    call: Call, rpmID: Any, depType: Any = None, queryOpts: Any = None, strict: bool = False
) -> Any:
    rpm = call.sim.state.get_rpm(rpmID, strict=strict)
    if rpm is None:
        return apply_query_opts([], queryOpts)
    rows = []
    for attr, dep_type in DEP_TYPES:
        if depType is None or depType == dep_type:
            rows += [_dep_row(dep, dep_type) for dep in getattr(rpm, attr)]
    if queryOpts and queryOpts.get("asList"):
        return [[r["name"], r["version"], r["flags"], r["type"]] for r in rows]
    return apply_query_opts(rows, queryOpts)


def _header(rpm: Rpm, name: str) -> Any:
    key = name.lower()
    simple = {
        "name": rpm.name,
        "version": rpm.version,
        "release": rpm.release,
        "epoch": rpm.epoch,
        "arch": rpm.arch,
        "summary": rpm.summary,
        "description": rpm.summary,
        "license": "MIT",
        "url": "",
        "size": rpm.size,
        "buildtime": rpm.buildtime,
        "buildhost": "kojisim",
        "sourcerpm": None if rpm.arch == "src" else rpm.sourcerpm,
        "sourcepackage": 1 if rpm.arch == "src" else None,
        "buildarchs": list(rpm.buildarchs),
        "exclusivearch": list(rpm.exclusivearch),
        "excludearch": list(rpm.excludearch),
        "exclusiveos": [],
        "excludeos": [],
        "changelogtime": [],
        "changelogname": [],
        "changelogtext": [],
        "filenames": list(rpm.files),
        "platform": f"{rpm.arch}-redhat-linux-gnu",
    }
    if key in simple:
        return simple[key]
    for attr, _dep_type in DEP_TYPES:
        prefix = attr.rstrip("s")
        if key in (f"{prefix}name", f"{prefix}version", f"{prefix}flags"):
            deps = getattr(rpm, attr)
            field = key[len(prefix) :]
            return [
                dep.name if field == "name" else dep.version if field == "version" else dep.flags
                for dep in deps
            ]
    raise koji.GenericError(f"No such rpm header field: {name}")


@export()
def getRPMHeaders(
    call: Call,
    rpmID: Any = None,
    taskID: Any = None,
    filepath: Any = None,
    headers: Any = None,
    strict: bool = False,
) -> dict[str, Any]:
    state = call.sim.state
    if rpmID:
        rpm = state.get_rpm(rpmID, strict=strict)
        if rpm is None:
            return {}
    elif taskID:
        if not filepath:
            raise koji.GenericError("filepath must be specified with taskID")
        rpm = state.get_rpm(str(filepath).rsplit("/", 1)[-1].removesuffix(".rpm"))
        if rpm is None:
            if strict:
                raise koji.GenericError(f"Missing rpm file: {filepath}")
            return {}
    else:
        raise koji.GenericError("either rpmID or taskID and filepath must be specified")
    names = list(headers) if headers else ["name", "version", "release", "epoch", "arch"]
    return {name: _header(rpm, name) for name in names}


@export()
def queryRPMSigs(call: Call, rpm_id: Any = None, sigkey: Any = None, queryOpts: Any = None) -> Any:
    rpm = call.sim.state.get_rpm(rpm_id) if rpm_id is not None else None
    rows = [] if rpm is None else [{"rpm_id": rpm.id, "sigkey": "", "sighash": rpm.payloadhash}]
    if sigkey is not None:
        rows = [r for r in rows if r["sigkey"] == sigkey]
    return apply_query_opts(rows, queryOpts)


@export()
def getBuildType(call: Call, buildInfo: Any, strict: bool = False) -> Any:
    build = call.sim.state.get_build(buildInfo, strict=strict)
    return None if build is None else {"rpm": None}


@export()
def getMavenBuild(call: Call, buildInfo: Any, strict: bool = False) -> None:
    if strict:
        raise koji.GenericError(f"no such maven build: {buildInfo}")


@export()
def getWinBuild(call: Call, buildInfo: Any, strict: bool = False) -> None:
    if strict:
        raise koji.GenericError(f"no such Windows build: {buildInfo}")


@export()
def getImageBuild(call: Call, buildInfo: Any, strict: bool = False) -> None:
    if strict:
        raise koji.GenericError(f"no such image build: {buildInfo}")


@export()
def listArchives(
    call: Call,
    buildID: Any = None,
    buildrootID: Any = None,
    componentBuildrootID: Any = None,
    hostID: Any = None,
    type: Any = None,
    filename: Any = None,
    size: Any = None,
    checksum: Any = None,
    checksum_type: Any = None,
    typeInfo: Any = None,
    queryOpts: Any = None,
    imageID: Any = None,
    archiveID: Any = None,
    strict: bool = False,
) -> Any:
    if strict:
        raise koji.GenericError("No archives found.")
    return apply_query_opts([], queryOpts)


@export()
def getAverageBuildDuration(call: Call, package: Any, age: Any = None) -> float | None:
    state = call.sim.state
    pkg = state.get_package(package)
    if pkg is None:
        return None
    durations = [
        b.completion_ts - b.creation_ts
        for b in state.builds.values()
        if b.package_id == pkg.id and b.state == koji.BUILD_STATES["COMPLETE"] and b.completion_ts
    ]
    return sum(durations) / len(durations) if durations else None


@export()
def listBuildroots(
    call: Call,
    hostID: Any = None,
    tagID: Any = None,
    state: Any = None,
    rpmID: Any = None,
    archiveID: Any = None,
    taskID: Any = None,
    buildrootID: Any = None,
    repoID: Any = None,
    queryOpts: Any = None,
) -> Any:
    sim_state = call.sim.state
    rows = []
    for br in sorted(sim_state.buildroots.values(), key=lambda b: b.id):
        repo = sim_state.repos.get(br.repo_id)
        checks = (
            (hostID, br.host_id),
            (taskID, br.task_id),
            (repoID, br.repo_id),
            (buildrootID, br.id),
            (tagID, repo.tag_id if repo else None),
        )
        if any(want is not None and want != have for want, have in checks):
            continue
        if state is not None and br.state not in (state if isinstance(state, list) else [state]):
            continue
        if rpmID is not None and rpmID not in br.installed:
            continue
        rows.append(render.buildroot_info(sim_state, br))
    return apply_query_opts(rows, queryOpts)


@export()
def getBuildroot(call: Call, buildrootID: Any, strict: bool = False) -> Any:
    rows = listBuildroots(call, buildrootID=int(buildrootID))
    if not rows and strict:
        raise koji.GenericError(f"No such buildroot: {buildrootID!r}")
    return rows[0] if rows else None


@export()
def getBuildrootListing(call: Call, id: Any) -> list[dict[str, Any]]:
    state = call.sim.state
    br = state.buildroots.get(int(id))
    if br is None:
        raise koji.GenericError(f"no buildroot with ID: {id}")
    out = []
    for rpm_id in br.installed:
        rpm = state.rpms[rpm_id]
        out.append(
            {
                "rpm_id": rpm.id,
                "is_update": False,
                "name": rpm.name,
                "version": rpm.version,
                "release": rpm.release,
                "epoch": rpm.epoch,
                "arch": rpm.arch,
                "build_id": rpm.build_id,
                "external_repo_id": 0,
                "external_repo_name": "INTERNAL",
            }
        )
    return out


__all__ = ["canon_arch"]
