"""Hub methods that change tags: tagging builds and package lists (login and permissions needed)."""

from __future__ import annotations

from typing import Any

import koji

from kojisim.core import history
from kojisim.core.model import BUILD_COMPLETE, User
from kojisim.engine import tasks
from kojisim.hub.registry import Call, export


def _require_login(call: Call) -> None:
    _user(call)


def _user(call: Call) -> User:
    if call.user is None:
        raise koji.ActionNotAllowed("you must be logged in for this operation")
    return call.user


def _require_perm(call: Call, perm: str) -> None:
    if call.user is None or not ({perm, "admin"} & call.user.perms):
        who = f"logged in as {call.user.name}" if call.user else "user not logged in"
        raise koji.ActionNotAllowed(f"{perm} permission required ({who})")


@export(writes=True)
def tagBuild(call: Call, tag: Any, build: Any, force: bool = False, fromtag: Any = None) -> int:
    """Tag a build through a tagBuild task (done at once); returns the task id."""
    _require_login(call)
    state = call.sim.state
    binfo = state.need_build(build)
    taginfo = state.need_tag(tag)
    user = _user(call)
    if binfo.state != BUILD_COMPLETE:
        raise koji.TagError(
            f"build {binfo.nvr} not complete: state {koji.BUILD_STATES[binfo.state]}"
        )
    if taginfo.locked and not (force and "admin" in user.perms):
        raise koji.ActionNotAllowed("tag is locked")
    listing = history.package_list(state, taginfo.id, inherit=True, package_id=binfo.package_id)
    entry = listing.get(binfo.package_id)
    if not entry or entry[0].blocked:
        verb = "not in list for" if not entry else "blocked in"
        raise koji.TagError(f"Package {binfo.name} {verb} {taginfo.name}")
    from_tag = state.get_tag(fromtag, strict=True) if fromtag else None
    channel = state.need_channel("default")
    request = [taginfo.id, binfo.id, force, from_tag.id if from_tag else None]
    task = tasks.make_task(state, "tagBuild", request, user.id, channel.id, priority=10)
    tasks.set_task_state(state, task, koji.TASK_STATES["OPEN"])
    event = state.new_event().id
    if from_tag is not None:
        history.untag_build(state, from_tag.id, binfo, event, user.id)
    history.tag_build(state, taginfo.id, binfo, event, user.id, force=force)
    tasks.close_task(state, task, None)
    return task.id


@export(writes=True)
def untagBuild(call: Call, tag: Any, build: Any, strict: bool = True, force: bool = False) -> None:
    _require_login(call)
    _untag(call, tag, build, strict)


@export(writes=True)
def tagBuildBypass(
    call: Call, tag: Any, build: Any, force: bool = False, notify: bool = False
) -> None:
    _require_perm(call, "tag")
    state = call.sim.state
    binfo = state.need_build(build)
    taginfo = state.need_tag(tag)
    user = _user(call)
    history.tag_build(state, taginfo.id, binfo, state.new_event().id, user.id, force=force)


@export(writes=True)
def untagBuildBypass(
    call: Call, tag: Any, build: Any, strict: bool = True, force: bool = False, notify: bool = False
) -> None:
    _require_perm(call, "tag")
    _untag(call, tag, build, strict)


def _untag(call: Call, tag: Any, build: Any, strict: bool) -> None:
    state = call.sim.state
    binfo = state.need_build(build)
    taginfo = state.need_tag(tag)
    user = _user(call)
    history.untag_build(state, taginfo.id, binfo, state.new_event().id, user.id, strict=strict)


def _package_change(call: Call, taginfo: Any, pkginfo: Any, action: str, owner: Any = None) -> None:
    _require_perm(call, "tag")
    owner_name = None
    if owner is not None:
        user = call.sim.state.get_user(owner, strict=True)
        owner_name = user.name if user else None
    elif call.user is not None:
        owner_name = call.user.name
    state = call.sim.state
    tag = state.need_tag(taginfo)
    if action in ("block", "unblock", "remove"):
        pkg = state.need_package(pkginfo)
        if action == "block" and not history.package_list(
            state, tag.id, inherit=True, package_id=pkg.id
        ):
            raise koji.GenericError(f"Package {pkg.name} is not in tag listing for {tag.name}")
        pkginfo = pkg.name
    call.sim.ops.package_list(tag.id, str(pkginfo), action, owner_name)


@export(writes=True)
def packageListAdd(
    call: Call,
    taginfo: Any,
    pkginfo: Any,
    owner: Any = None,
    block: Any = None,
    extra_arches: Any = None,
    force: bool = False,
    update: bool = False,
) -> None:
    _package_change(call, taginfo, pkginfo, "block" if block else "add", owner)


@export(writes=True)
def packageListBlock(call: Call, taginfo: Any, pkginfo: Any, force: bool = False) -> None:
    _package_change(call, taginfo, pkginfo, "block")


@export(writes=True)
def packageListUnblock(call: Call, taginfo: Any, pkginfo: Any, force: bool = False) -> None:
    _package_change(call, taginfo, pkginfo, "unblock")


@export(writes=True)
def packageListRemove(call: Call, taginfo: Any, pkginfo: Any, force: bool = False) -> None:
    _package_change(call, taginfo, pkginfo, "remove")
