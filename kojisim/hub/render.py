"""Records turned into the dicts Koji's hub returns (field names as in kojihub.py)."""

from __future__ import annotations

from typing import Any

from kojisim.core.model import Build, Buildroot, Host, Repo, Rpm, Tag, TagListing, Task, User
from kojisim.core.state import SimState
from kojisim.core.util import koji_time


def tag_info(tag: Tag, event: int | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": tag.id,
        "name": tag.name,
        "perm_id": tag.perm_id,
        "perm": None,
        "arches": tag.arches,
        "locked": tag.locked,
        "maven_support": False,
        "maven_include_all": False,
        "extra": dict(tag.extra),
    }
    if event is not None:
        info["query_event"] = event
    return info


def user_info(user: User, krb_princs: bool = True) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": user.id,
        "name": user.name,
        "status": user.status,
        "usertype": user.usertype,
    }
    if krb_princs:
        info["krb_principals"] = list(user.krb_principals)
    return info


def build_info(state: SimState, build: Build) -> dict[str, Any]:
    owner = state.users.get(build.owner_id)
    return {
        "id": build.id,
        "build_id": build.id,
        "version": build.version,
        "release": build.release,
        "epoch": build.epoch,
        "state": build.state,
        "completion_time": koji_time(build.completion_ts),
        "start_time": koji_time(build.start_ts),
        "task_id": build.task_id,
        "creation_event_id": build.create_event,
        "creation_time": koji_time(build.creation_ts),
        "package_id": build.package_id,
        "package_name": build.name,
        "name": build.name,
        "volume_id": 0,
        "volume_name": "DEFAULT",
        "nvr": build.nvr,
        "creation_ts": build.creation_ts,
        "start_ts": build.start_ts,
        "completion_ts": build.completion_ts,
        "owner_id": build.owner_id,
        "owner_name": owner.name if owner else None,
        "cg_id": None,
        "cg_name": None,
        "source": build.source,
        "extra": build.extra,
        "draft": False,
        "promoter_id": None,
        "promoter_name": None,
        "promotion_time": None,
        "promotion_ts": None,
    }


def list_build_row(state: SimState, build: Build) -> dict[str, Any]:
    """A listBuilds row (no plain ``id`` key, as in the hub)."""
    row = build_info(state, build)
    for key in ("id", "cg_id", "cg_name"):
        row.pop(key, None)
    return row


def tagged_row(state: SimState, entry: TagListing, build: Build) -> dict[str, Any]:
    tag = state.tags[entry.tag_id]
    owner = state.users.get(build.owner_id)
    return {
        "tag_id": tag.id,
        "tag_name": tag.name,
        "id": build.id,
        "build_id": build.id,
        "version": build.version,
        "release": build.release,
        "epoch": build.epoch,
        "state": build.state,
        "completion_time": koji_time(build.completion_ts),
        "start_time": koji_time(build.start_ts),
        "task_id": build.task_id,
        "owner_id": build.owner_id,
        "owner_name": owner.name if owner else None,
        "creation_event_id": build.create_event,
        "creation_time": koji_time(build.creation_ts),
        "volume_id": 0,
        "volume_name": "DEFAULT",
        "package_id": build.package_id,
        "package_name": build.name,
        "name": build.name,
        "nvr": build.nvr,
        "create_event": entry.create_event,
        "draft": False,
    }


def rpm_info(rpm: Rpm) -> dict[str, Any]:
    return {
        "id": rpm.id,
        "name": rpm.name,
        "version": rpm.version,
        "release": rpm.release,
        "nvr": rpm.nvr,
        "arch": rpm.arch,
        "epoch": rpm.epoch,
        "payloadhash": rpm.payloadhash,
        "size": rpm.size,
        "buildtime": rpm.buildtime,
        "build_id": rpm.build_id,
        "buildroot_id": rpm.buildroot_id,
        "external_repo_id": 0,
        "external_repo_name": "INTERNAL",
        "metadata_only": False,
        "extra": None,
        "draft": False,
    }


def task_info(task: Task, request: bool = False) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": task.id,
        "state": task.state,
        "create_time": koji_time(task.create_ts),
        "create_ts": task.create_ts,
        "start_time": koji_time(task.start_ts),
        "start_ts": task.start_ts,
        "completion_time": koji_time(task.completion_ts),
        "completion_ts": task.completion_ts,
        "channel_id": task.channel_id,
        "host_id": task.host_id,
        "parent": task.parent,
        "label": task.label,
        "waiting": task.waiting,
        "awaited": task.awaited,
        "owner": task.owner_id,
        "method": task.method,
        "arch": task.arch,
        "priority": task.priority,
        "weight": task.weight,
    }
    if request:
        info["request"] = list(task.request)
    return info


def repo_info(state: SimState, repo: Repo, with_tag: bool = True) -> dict[str, Any]:
    ts = state.event_ts(repo.create_event)
    info: dict[str, Any] = {
        "id": repo.id,
        "state": repo.state,
        "task_id": repo.task_id,
        "create_event": repo.create_event,
        "creation_time": koji_time(ts),
        "create_ts": ts,
        "dist": repo.dist,
    }
    if with_tag:
        info["tag_id"] = repo.tag_id
        info["tag_name"] = state.tags[repo.tag_id].name
    return info


def host_info(host: Host) -> dict[str, Any]:
    return {
        "id": host.id,
        "user_id": host.user_id,
        "name": host.name,
        "ready": host.ready,
        "task_load": host.task_load,
        "arches": host.arches,
        "capacity": host.capacity,
        "description": host.description,
        "comment": host.comment,
        "enabled": host.enabled,
    }


def buildroot_info(state: SimState, br: Buildroot) -> dict[str, Any]:
    host = state.hosts.get(br.host_id)
    repo = state.repos.get(br.repo_id)
    tag = state.tags.get(repo.tag_id) if repo else None
    create_ts = state.event_ts(br.create_event)
    retire_ts = state.event_ts(br.retire_event) if br.retire_event else None
    return {
        "id": br.id,
        "br_type": 0,
        "cg_id": None,
        "cg_name": None,
        "cg_version": None,
        "container_arch": br.arch,
        "arch": br.arch,
        "container_type": "chroot",
        "host_os": None,
        "host_arch": None,
        "extra": None,
        "state": br.state,
        "task_id": br.task_id,
        "host_id": br.host_id,
        "host_name": host.name if host else None,
        "repo_id": br.repo_id,
        "repo_state": repo.state if repo else None,
        "tag_id": tag.id if tag else None,
        "tag_name": tag.name if tag else None,
        "create_event_id": br.create_event,
        "create_event_time": koji_time(create_ts),
        "create_ts": create_ts,
        "retire_event_id": br.retire_event,
        "retire_event_time": koji_time(retire_ts),
        "retire_ts": retire_ts,
        "repo_create_event_id": repo.create_event if repo else None,
        "repo_create_event_time": koji_time(state.event_ts(repo.create_event)) if repo else None,
    }
