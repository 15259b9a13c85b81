"""Versioned-table queries and changes: inheritance, tag listings, package lists, comps groups.

These mirror the hub's readFullInheritance, readTaggedBuilds, readPackageList and
get_tag_groups semantics (first entry wins along the inheritance chain; ``event`` selects the
rows active at that event).
"""

from __future__ import annotations

import re
from typing import Any

import koji

from kojisim.core.model import (
    BUILD_COMPLETE,
    Build,
    GroupConfig,
    GroupPackage,
    PackageListing,
    TagListing,
)
from kojisim.core.state import SimState


def full_inheritance(
    state: SimState, tag_id: int, event: int | None = None
) -> list[dict[str, Any]]:
    """Ordered parent links of a tag, depth first by priority (Koji's readFullInheritance)."""
    order: list[dict[str, Any]] = []
    seen: set[int] = set()
    _inherit(state, tag_id, order, seen, {tag_id}, 0, None, [])
    return order


def _inherit(
    state: SimState,
    tag_id: int,
    order: list[dict[str, Any]],
    seen: set[int],
    top: set[int],
    depth: int,
    maxdepth: int | None,
    pfilter: list[str],
) -> None:
    if maxdepth is not None and maxdepth < 1:
        return
    depth += 1
    tag = state.tags[tag_id]
    for link in sorted(tag.parents, key=lambda link: link.priority):
        parent = link.parent_id
        if parent in top or parent in seen or parent not in state.tags:
            continue
        if link.intransitive and len(top) > 1:
            continue
        nextdepth = link.maxdepth
        if nextdepth is None:
            nextdepth = None if maxdepth is None else maxdepth - 1
        elif maxdepth is not None:
            nextdepth = min(nextdepth, maxdepth) - 1
        filters = [*pfilter, link.pkg_filter] if link.pkg_filter else list(pfilter)
        seen.add(parent)
        order.append(
            {
                "parent_id": parent,
                "child_id": tag_id,
                "name": state.tags[parent].name,
                "priority": link.priority,
                "maxdepth": link.maxdepth,
                "intransitive": link.intransitive,
                "noconfig": link.noconfig,
                "pkg_filter": link.pkg_filter,
                "currdepth": depth,
                "nextdepth": nextdepth,
                "filter": filters,
            }
        )
        if not link.intransitive:
            _inherit(state, parent, order, seen, top | {parent}, depth, nextdepth, filters)


def tag_chain(
    state: SimState, tag_id: int, event: int | None, inherit: bool
) -> list[tuple[int, list[str]]]:
    """The tag followed by its ancestors, each with its cumulative package filters."""
    chain: list[tuple[int, list[str]]] = [(tag_id, [])]
    if inherit:
        chain += [
            (link["parent_id"], link["filter"]) for link in full_inheritance(state, tag_id, event)
        ]
    return chain


def descendants(state: SimState, tag_id: int) -> set[int]:
    """Tags that inherit (directly or not) from ``tag_id``, including itself."""
    found = {tag_id}
    changed = True
    while changed:
        changed = False
        for tag in state.tags.values():
            if tag.id not in found and any(link.parent_id in found for link in tag.parents):
                found.add(tag.id)
                changed = True
    return found


def package_list(
    state: SimState,
    tag_id: int,
    event: int | None = None,
    inherit: bool = False,
    package_id: int | None = None,
    with_dups: bool = False,
) -> dict[int, list[PackageListing]]:
    """Package list entries per package id; the first entry of each list is the effective one."""
    result: dict[int, list[PackageListing]] = {}
    for chain_tag, filters in tag_chain(state, tag_id, event, inherit):
        patterns = [re.compile(pattern) for pattern in filters]
        entries = state.package_listing.get(chain_tag, {})
        items = [(package_id, entries.get(package_id, []))] if package_id else entries.items()
        for pkg_id, versions in items:
            if not with_dups and pkg_id in result:
                continue
            name = state.packages[pkg_id].name if pkg_id in state.packages else ""
            if any(p.match(name) is None for p in patterns):
                continue
            for row in versions:
                if row.active_at(event):
                    result.setdefault(pkg_id, []).append(row)
                    break
    return result


def tagged_builds(
    state: SimState,
    tag_id: int,
    event: int | None = None,
    inherit: bool = False,
    latest: bool | int = False,
    package: str | None = None,
) -> list[tuple[TagListing, Build]]:
    """Koji's readTaggedBuilds: newest tagging first, blocked packages dropped."""
    pkg = state.get_package(package) if package else None
    if package and pkg is None:
        return []
    packages = package_list(state, tag_id, event, inherit=True, package_id=pkg.id if pkg else None)
    limit = 1 if latest is True else int(latest or 0)
    seen: dict[int, int] = {}
    out: list[tuple[TagListing, Build]] = []
    for chain_tag, _filters in tag_chain(state, tag_id, event, inherit):
        if pkg is not None:
            entries = state.tag_listing_pkg.get(chain_tag, {}).get(pkg.id, [])
        else:
            entries = state.tag_listing.get(chain_tag, [])
        for entry in reversed(entries):
            if not entry.active_at(event):
                continue
            build = state.builds[entry.build_id]
            if build.state != BUILD_COMPLETE or (pkg and build.package_id != pkg.id):
                continue
            listing = packages.get(build.package_id)
            if not listing or listing[0].blocked:
                continue
            if limit:
                if seen.get(build.package_id, 0) >= limit:
                    continue
                seen[build.package_id] = seen.get(build.package_id, 0) + 1
            out.append((entry, build))
    return out


def tag_groups(
    state: SimState, tag_id: int, event: int | None = None, inherit: bool = True
) -> dict[int, dict[str, Any]]:
    """Koji's get_tag_groups: group config plus package and group-req lists (blocked included)."""
    groups: dict[int, dict[str, Any]] = {}
    chain = [t for t, _ in tag_chain(state, tag_id, event, inherit)]
    for chain_tag in chain:
        for group_id, versions in state.group_config.get(chain_tag, {}).items():
            row = _active(versions, event)
            if row is not None and group_id not in groups:
                groups[group_id] = _group_row(row)
    for group in groups.values():
        group["packagelist"] = {}
        group["grouplist"] = {}
    for chain_tag in chain:
        for group_id, group in groups.items():
            if not group["blocked"]:
                _add_group_packages(state, group, chain_tag, group_id, event)
                _add_group_reqs(state, groups, group, chain_tag, group_id, event)
    return groups


def _add_group_packages(
    state: SimState, group: dict[str, Any], tag_id: int, group_id: int, event: int | None
) -> None:
    for name, versions in state.group_packages.get((tag_id, group_id), {}).items():
        row = _active(versions, event)
        if row is not None and name not in group["packagelist"]:
            group["packagelist"][name] = _group_pkg_row(row)


def _add_group_reqs(
    state: SimState,
    groups: dict[int, dict[str, Any]],
    group: dict[str, Any],
    tag_id: int,
    group_id: int,
    event: int | None,
) -> None:
    for req_id, versions in state.group_reqs.get((tag_id, group_id), {}).items():
        row = _active(versions, event)
        if row is None or req_id in group["grouplist"] or req_id not in groups:
            continue
        if not groups[req_id]["blocked"]:
            group["grouplist"][req_id] = {
                "group_id": row.group_id,
                "tag_id": row.tag_id,
                "req_id": row.req_id,
                "blocked": row.blocked,
                "type": row.type,
                "is_metapkg": row.is_metapkg,
                "name": row.name,
            }


def _active(versions: list[Any], event: int | None) -> Any:
    for row in reversed(versions):
        if row.active_at(event):
            return row
    return None


def _group_row(row: GroupConfig) -> dict[str, Any]:
    return {
        "name": row.name,
        "group_id": row.group_id,
        "tag_id": row.tag_id,
        "blocked": row.blocked,
        "exported": row.exported,
        "display_name": row.display_name,
        "is_default": row.is_default,
        "uservisible": row.uservisible,
        "description": row.description,
        "langonly": row.langonly,
        "biarchonly": row.biarchonly,
    }


def _group_pkg_row(row: GroupPackage) -> dict[str, Any]:
    return {
        "group_id": row.group_id,
        "tag_id": row.tag_id,
        "package": row.package,
        "blocked": row.blocked,
        "type": row.type,
        "basearchonly": row.basearchonly,
        "requires": row.requires,
    }


# -- changes ------------------------------------------------------------------------------


def _revoke(versions: list[Any], event: int) -> None:
    for row in versions:
        if row.revoke_event is None:
            row.revoke_event = event


def _current_listing(state: SimState, tag_id: int, build: Build) -> list[TagListing]:
    entries = state.tag_listing_pkg[tag_id].get(build.package_id, [])
    return [e for e in entries if e.build_id == build.id and e.revoke_event is None]


def tag_build(
    state: SimState, tag_id: int, build: Build, event: int, user_id: int, force: bool = False
) -> None:
    """Add a build to a tag (Koji's _direct_tag_build)."""
    if build.state != BUILD_COMPLETE:
        raise koji.TagError(
            f"build {build.nvr} not complete: state {koji.BUILD_STATES[build.state]}"
        )
    listing = state.tag_listing[tag_id]
    current = _current_listing(state, tag_id, build)
    if current and not force:
        raise koji.TagError(f"build {build.nvr} already tagged ({state.tags[tag_id].name})")
    _revoke(current, event)
    entry = TagListing(event, None, tag_id, build.id, state.next_id("listing"))
    listing.append(entry)
    state.tag_listing_pkg[tag_id].setdefault(build.package_id, []).append(entry)
    state.notify("tag", tag_id=tag_id, build_id=build.id, user_id=user_id)


def untag_build(
    state: SimState, tag_id: int, build: Build, event: int, user_id: int, strict: bool = True
) -> None:
    """Remove a build from a tag (Koji's _direct_untag_build)."""
    current = _current_listing(state, tag_id, build)
    if not current and strict:
        raise koji.TagError(f"build {build.nvr} not in tag {state.tags[tag_id].name}")
    _revoke(current, event)
    if current:
        state.notify("untag", tag_id=tag_id, build_id=build.id, user_id=user_id)


def set_package_listing(
    state: SimState,
    tag_id: int,
    package_id: int,
    event: int,
    owner_id: int,
    blocked: bool = False,
    extra_arches: str | None = None,
) -> None:
    """Add, update or block a package list entry in one tag."""
    versions = state.package_listing[tag_id].setdefault(package_id, [])
    _revoke(versions, event)
    versions.append(
        PackageListing(event, None, tag_id, package_id, owner_id, blocked, extra_arches)
    )
    state.notify("package_list", tag_id=tag_id, package_id=package_id, blocked=blocked)


def remove_package_listing(state: SimState, tag_id: int, package_id: int, event: int) -> None:
    """Drop a package list entry from one tag (inherited entries show through again)."""
    _revoke(state.package_listing[tag_id].get(package_id, []), event)
    state.notify("package_list", tag_id=tag_id, package_id=package_id, blocked=None)


def set_group(
    state: SimState, tag_id: int, name: str, event: int, blocked: bool = False, **opts: Any
) -> int:
    """Add or update a comps group of a tag; returns the group id."""
    group_id = state.group_id(name)
    versions = state.group_config[tag_id].setdefault(group_id, [])
    _revoke(versions, event)
    row = GroupConfig(event, None, tag_id, group_id, name, blocked, opts.pop("display_name", name))
    for key, value in opts.items():
        setattr(row, key, value)
    versions.append(row)
    state.notify("group", tag_id=tag_id, group=name)
    return group_id


def set_group_package(
    state: SimState,
    tag_id: int,
    group: str,
    package: str,
    event: int,
    blocked: bool = False,
    type: str = "mandatory",
    remove: bool = False,
) -> None:
    """Add, block or remove a package of a comps group in a tag."""
    group_id = state.group_id(group)
    versions = state.group_packages[(tag_id, group_id)].setdefault(package, [])
    _revoke(versions, event)
    if not remove:
        versions.append(GroupPackage(event, None, tag_id, group_id, package, blocked, type))
    state.notify("group", tag_id=tag_id, group=group)


def build_config(state: SimState, tag_id: int, event: int | None = None) -> dict[str, Any]:
    """Arches and extra of a tag with inheritance applied (Koji's getBuildConfig)."""
    tag = state.tags[tag_id]
    arches = tag.arches
    extra = dict(tag.extra)
    inherited: dict[str, Any] = {"extra": {}, "arches": None}
    for link in full_inheritance(state, tag_id, event):
        if link["noconfig"]:
            continue
        ancestor = state.tags[link["parent_id"]]
        ref = {"id": ancestor.id, "name": ancestor.name}
        if arches is None and ancestor.arches is not None:
            arches = ancestor.arches
            inherited["arches"] = ref
        for key, value in ancestor.extra.items():
            if key not in extra:
                extra[key] = value
                inherited["extra"][key] = ref
    return {"arches": arches, "extra": extra, "config_inheritance": inherited}


def tag_arches(state: SimState, tag_id: int, event: int | None = None) -> list[str]:
    """The (inherited) arches of a tag as a list."""
    arches = build_config(state, tag_id, event)["arches"]
    return str(arches).split() if arches else []


def read_tag_groups(
    state: SimState,
    tag_id: int,
    event: int | None = None,
    inherit: bool = True,
    incl_pkgs: bool = True,
    incl_reqs: bool = True,
    incl_blocked: bool = False,
) -> list[dict[str, Any]]:
    """Koji's readTagGroups: groups as a list, blocked entries removed unless asked for."""
    out = []
    for group in tag_groups(state, tag_id, event, inherit).values():
        if group["blocked"] and not incl_blocked:
            continue
        for key, wanted in (("packagelist", incl_pkgs), ("grouplist", incl_reqs)):
            if not wanted:
                del group[key]
                continue
            group[key] = [x for x in group[key].values() if incl_blocked or not x["blocked"]]
        out.append(group)
    return out
