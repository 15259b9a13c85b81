"""Hub methods: tags, targets, inheritance, comps groups, repos and package lists."""

from __future__ import annotations

import fnmatch
from typing import Any

import koji

from kojisim.core import history
from kojisim.core.model import REPO_READY, Tag
from kojisim.core.util import apply_query_opts
from kojisim.hub import render
from kojisim.hub.registry import Call, export


def _tag(call: Call, info: Any, strict: bool = True, event: Any = None) -> Tag | None:
    return call.sim.state.get_tag(info, strict=strict, event=event)


def _need_tag(call: Call, info: Any, event: Any = None) -> Tag:
    return call.sim.state.need_tag(info, event)


@export()
def getTag(
    call: Call, tagInfo: Any, strict: bool = False, event: Any = None, blocked: bool = False
) -> Any:
    tag = _tag(call, tagInfo, strict, event)
    return None if tag is None else render.tag_info(tag, event)


@export()
def getTagID(call: Call, info: Any, strict: bool = False, create: bool = False) -> int | None:
    tag = _tag(call, info, strict)
    return None if tag is None else tag.id


def _tags_of_build(call: Call, build: Any) -> set[int]:
    state = call.sim.state
    binfo = state.get_build(build)
    if binfo is None:
        raise koji.GenericError(f"No such build: {build}")
    return {
        entry.tag_id
        for tag_id in state.tags
        for entry in state.tag_listing_pkg[tag_id].get(binfo.package_id, [])
        if entry.build_id == binfo.id and entry.revoke_event is None
    }


def _package_config_by_tag(call: Call, package: Any) -> dict[int, dict[str, Any]]:
    state = call.sim.state
    pkg = state.get_package(package)
    if pkg is None:
        raise koji.GenericError(f"No such package: {package}")
    out = {}
    for tag_id in state.tags:
        versions = state.package_listing[tag_id].get(pkg.id, [])
        row = next((v for v in versions if v.revoke_event is None), None)
        if row is not None:
            owner = state.users.get(row.owner_id)
            out[tag_id] = {
                "owner_id": row.owner_id,
                "owner_name": owner.name if owner else None,
                "blocked": row.blocked,
                "extra_arches": row.extra_arches,
            }
    return out


@export()
def listTags(
    call: Call,
    build: Any = None,
    package: Any = None,
    perms: bool = True,
    queryOpts: Any = None,
    pattern: Any = None,
) -> Any:
    state = call.sim.state
    if build is not None and package is not None:
        raise koji.GenericError("only one of build and package may be specified")
    tags = sorted(state.tags.values(), key=lambda t: t.id)
    extra: dict[int, dict[str, Any]] = {}
    if build is not None:
        tagged = _tags_of_build(call, build)
        tags = [t for t in tags if t.id in tagged]
    elif package is not None:
        extra = _package_config_by_tag(call, package)
        tags = [t for t in tags if t.id in extra]
    if pattern is not None:
        tags = [t for t in tags if fnmatch.fnmatch(t.name.lower(), str(pattern).lower())]
    rows = []
    for tag in tags:
        row = {
            "id": tag.id,
            "name": tag.name,
            "arches": tag.arches,
            "locked": tag.locked,
            "maven_support": False,
            "maven_include_all": False,
        }
        if perms:
            row.update(perm_id=tag.perm_id, perm=None)
        row.update(extra.get(tag.id, {}))
        rows.append(row)
    return apply_query_opts(rows, queryOpts)


@export()
def getBuildConfig(call: Call, tag: Any, event: Any = None) -> dict[str, Any]:
    taginfo = _need_tag(call, tag, event)
    info = render.tag_info(taginfo, event)
    info.update(history.build_config(call.sim.state, taginfo.id, event))
    return info


def _target_rows(call: Call) -> list[dict[str, Any]]:
    state = call.sim.state
    return [
        {
            "id": t.id,
            "build_tag": t.build_tag_id,
            "dest_tag": t.dest_tag_id,
            "name": t.name,
            "build_tag_name": state.tags[t.build_tag_id].name,
            "dest_tag_name": state.tags[t.dest_tag_id].name,
        }
        for t in sorted(state.targets.values(), key=lambda t: t.id)
    ]


@export()
def getBuildTargets(
    call: Call,
    info: Any = None,
    event: Any = None,
    buildTagID: Any = None,
    destTagID: Any = None,
    queryOpts: Any = None,
) -> Any:
    rows = _target_rows(call)
    if info:
        if isinstance(info, dict):
            info = info.get("id", info.get("name"))
        if isinstance(info, bool) or not isinstance(info, int | str):
            raise koji.ParameterError(f"Invalid name or id value: {info}")
        rows = [r for r in rows if r["id" if isinstance(info, int) else "name"] == info]
    for key, value in (("build_tag", buildTagID), ("dest_tag", destTagID)):
        if value is not None:
            tag = call.sim.state.get_tag(value)
            rows = [r for r in rows if tag is not None and r[key] == tag.id]
    return apply_query_opts(rows, queryOpts)


@export()
def getBuildTarget(call: Call, info: Any, event: Any = None, strict: bool = False) -> Any:
    rows = getBuildTargets(call, info=info, event=event)
    if len(rows) == 1:
        return rows[0]
    if strict:
        raise koji.GenericError(f"No such build target: {info}")
    return None


@export()
def getInheritanceData(call: Call, tag: Any, event: Any = None) -> list[dict[str, Any]]:
    taginfo = _need_tag(call, tag)
    state = call.sim.state
    return [
        {
            "parent_id": link.parent_id,
            "name": state.tags[link.parent_id].name,
            "priority": link.priority,
            "maxdepth": link.maxdepth,
            "intransitive": link.intransitive,
            "noconfig": link.noconfig,
            "pkg_filter": link.pkg_filter,
            "child_id": taginfo.id,
        }
        for link in sorted(taginfo.parents, key=lambda link: link.priority)
    ]


@export()
def getFullInheritance(
    call: Call, tag: Any, event: Any = None, reverse: bool = False
) -> list[dict[str, Any]]:
    taginfo = _need_tag(call, tag)
    if reverse:
        state = call.sim.state
        return [
            {"tag_id": t, "name": state.tags[t].name}
            for t in sorted(history.descendants(state, taginfo.id))
            if t != taginfo.id
        ]
    return history.full_inheritance(call.sim.state, taginfo.id, event)


@export()
def getTagGroups(
    call: Call,
    tag: Any,
    event: Any = None,
    inherit: bool = True,
    incl_pkgs: bool = True,
    incl_reqs: bool = True,
    incl_blocked: bool = False,
) -> list[dict[str, Any]]:
    taginfo = _need_tag(call, tag)
    return history.read_tag_groups(
        call.sim.state, taginfo.id, event, inherit, incl_pkgs, incl_reqs, incl_blocked
    )


# -- repos ---------------------------------------------------------------------------------------


@export()
def getRepo(
    call: Call,
    tag: Any,
    state: Any = None,
    event: Any = None,
    dist: bool = False,
    min_event: Any = None,
) -> Any:
    sim_state = call.sim.state
    taginfo = sim_state.need_tag(tag)
    repos = [r for r in sim_state.repos.values() if r.tag_id == taginfo.id and r.dist == bool(dist)]
    if event:
        repos = [r for r in repos if r.create_event <= int(event)]
    else:
        wanted = REPO_READY if state is None else int(state)
        repos = [r for r in repos if r.state == wanted]
    if min_event is not None:
        repos = [r for r in repos if r.create_event >= int(min_event)]
    if not repos:
        return None
    return render.repo_info(
        sim_state, max(repos, key=lambda r: (r.create_event, r.id)), with_tag=False
    )


@export()
def repoInfo(call: Call, repo_id: Any, strict: bool = False) -> Any:
    repo = call.sim.state.repos.get(int(repo_id))
    if repo is None:
        if strict:
            raise koji.GenericError("query returned no rows")
        return None
    return render.repo_info(call.sim.state, repo)


@export()
def getActiveRepos(call: Call) -> list[dict[str, Any]]:
    state = call.sim.state
    return [
        render.repo_info(state, r) for r in state.repos.values() if r.state != koji.REPO_DELETED
    ]


@export(writes=True, locked=False)
def newRepo(
    call: Call,
    tag: Any,
    event: Any = None,
    src: bool = False,
    debuginfo: bool = False,
    separate_src: bool = False,
) -> int:
    with call.sim.state.lock:
        if call.user is None or not ({"admin", "repo", "regen-repo"} & call.user.perms):
            raise koji.ActionNotAllowed("repo permission required")
        taginfo = _need_tag(call, tag)
        repo = call.sim.engine.new_repo(taginfo.id)
        call.wrote = True
        return int(repo.task_id or 0)


# -- package lists -------------------------------------------------------------------------------


def _package_rows(call: Call, entries: list[Any], with_owners: bool) -> list[dict[str, Any]]:
    state = call.sim.state
    rows = []
    for entry in entries:
        row = {
            "package_id": entry.package_id,
            "package_name": state.packages[entry.package_id].name,
            "tag_id": entry.tag_id,
            "tag_name": state.tags[entry.tag_id].name,
            "extra_arches": entry.extra_arches,
            "blocked": entry.blocked,
        }
        if with_owners:
            owner = state.users.get(entry.owner_id)
            row.update(owner_id=entry.owner_id, owner_name=owner.name if owner else None)
        rows.append(row)
    return rows


@export()
def listPackages(
    call: Call,
    tagID: Any = None,
    userID: Any = None,
    pkgID: Any = None,
    prefix: Any = None,
    inherited: bool = False,
    with_dups: bool = False,
    event: Any = None,
    queryOpts: Any = None,
    with_owners: bool = True,
    with_blocked: bool = True,
) -> Any:
    state = call.sim.state
    rows: list[dict[str, Any]]
    if tagID is None and userID is None and pkgID is None:
        rows = [
            {"package_id": p.id, "package_name": p.name}
            for p in sorted(state.packages.values(), key=lambda p: p.id)
        ]
    else:
        tag = state.get_tag(tagID, strict=True) if tagID is not None else None
        user = state.get_user(userID, strict=True) if userID is not None else None
        pkg = state.get_package(pkgID, strict=True) if pkgID is not None else None
        tag_ids = [tag.id] if tag else list(state.tags)
        entries = []
        for tag_id in tag_ids:
            listing = history.package_list(
                state,
                tag_id,
                event,
                inherited and tag is not None,
                pkg.id if pkg else None,
                with_dups,
            )
            for versions in listing.values():
                entries += versions if with_dups else versions[:1]
        if user is not None:
            entries = [e for e in entries if e.owner_id == user.id]
        if not with_blocked:
            entries = [e for e in entries if not e.blocked]
        rows = _package_rows(call, entries, with_owners)
    if prefix:
        rows = [r for r in rows if r["package_name"].lower().startswith(str(prefix).lower())]
    return apply_query_opts(rows, queryOpts)


@export()
def getPackage(call: Call, info: Any, strict: bool = False, create: bool = False) -> Any:
    pkg = call.sim.state.get_package(info, strict=strict)
    return None if pkg is None else {"id": pkg.id, "name": pkg.name}


@export()
def getPackageID(call: Call, name: str, strict: bool = False) -> Any:
    pkg = call.sim.state.get_package(str(name))
    if pkg is None and strict:
        raise koji.GenericError(f"No such package name: {name}")
    return None if pkg is None else pkg.id


@export()
def getPackageConfig(call: Call, tag: Any, pkg: Any, event: Any = None) -> Any:
    state = call.sim.state
    taginfo, pkginfo = state.get_tag(tag), state.get_package(pkg)
    if taginfo is None or pkginfo is None:
        return None
    listing = history.package_list(state, taginfo.id, event, True, pkginfo.id)
    entries = listing.get(pkginfo.id)
    return _package_rows(call, entries[:1], True)[0] if entries else None


@export()
def checkTagPackage(call: Call, tag: Any, pkg: Any) -> bool:
    config = getPackageConfig(call, tag, pkg)
    return bool(config) and not config["blocked"]
