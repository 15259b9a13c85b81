"""``sim.*`` methods: the simulator's own admin interface (no login needed on loopback)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import koji

from kojisim.core.model import TASK_FINISHED
from kojisim.hub import render
from kojisim.hub.registry import Call, export
from kojisim.scenarios import snapshot


@export(name="sim.status")
def status(call: Call) -> dict[str, Any]:
    sim = call.sim
    state = sim.state
    counts: dict[str, int] = {}
    for task in state.tasks.values():
        name = koji.TASK_STATES[task.state]
        counts[name] = counts.get(name, 0) + 1
    return {
        "scenario": sim.scenario.name,
        "time": state.clock.now(),
        "speed": state.clock.speed,
        "last_event": state.last_event().id,
        "tasks": counts,
        "active_tasks": len(state.active_tasks),
        "builds": len(state.builds),
        "rpms": len(state.rpms),
        "repos": [
            render.repo_info(state, r) for r in state.repos.values() if r.state != koji.REPO_DELETED
        ],
        "pending_regens": {state.tags[t].name: when for t, when in sim.repos.pending.items()},
        "faults": sim.faults.rules(),
        "read_only": sim.read_only,
        "refused_writes": dict(sim.refused_writes),
        "failing_repos": dict(sim.repos.failing),
        "faults_fired": sim.faults.fired(),
        "hub_url": sim.hub_url,
        "topurl": sim.files_url,
    }


@export(name="sim.advanceClock", writes=True)
def advance_clock(call: Call, seconds: float) -> float:
    """Move the simulated clock forward and apply what became due."""
    now = call.sim.clock.advance(float(seconds))
    call.sim.engine.tick()
    return now


@export(name="sim.setSpeed", writes=True)
def set_speed(call: Call, speed: float) -> float:
    call.sim.clock.set_speed(float(speed))
    return call.sim.clock.speed


@export(name="sim.tick", writes=True)
def tick(call: Call) -> int:
    return call.sim.engine.tick()


@export(name="sim.finishTasks", writes=True)
def finish_tasks(call: Call, task_ids: Any = None, outcome: Any = None) -> list[int]:
    """Run top-level tasks (default: all active ones) to the end now.

    ``outcome`` CLOSED or FAILED overrides what the rules decided."""
    if outcome not in (None, "CLOSED", "FAILED"):
        raise koji.ParameterError("outcome must be CLOSED or FAILED")
    return call.sim.engine.finish(list(task_ids) if task_ids else None, outcome)


@export(name="sim.newBuild", writes=True)
def new_build(call: Call, package: str, opts: Any = None) -> dict[str, Any]:
    """Make and tag a new build of a package (fields: version, release, epoch, tag, untagged,
    build_requires, binaries, buildarch, exclusivearch, excludearch, owner)."""
    build = call.sim.ops.new_build(str(package), **dict(opts or {}))
    return render.build_info(call.sim.state, build)


@export(name="sim.tagBuild", writes=True)
def tag_build(call: Call, tag: Any, build: Any) -> None:
    call.sim.ops.tag_build(tag, build)


@export(name="sim.untagBuild", writes=True)
def untag_build(call: Call, tag: Any, build: Any) -> None:
    call.sim.ops.untag_build(tag, build)


@export(name="sim.packageList", writes=True)
def package_list(call: Call, tag: Any, package: str, action: str = "add") -> None:
    """Change a tag's package list: action add, block, unblock or remove."""
    if action not in ("add", "block", "unblock", "remove"):
        raise koji.ParameterError("action must be add, block, unblock or remove")
    call.sim.ops.package_list(tag, str(package), action)


@export(name="sim.blockPackage", writes=True)
def block_package(call: Call, tag: Any, package: str) -> None:
    call.sim.ops.package_list(tag, str(package), "block")


@export(name="sim.unblockPackage", writes=True)
def unblock_package(call: Call, tag: Any, package: str) -> None:
    call.sim.ops.package_list(tag, str(package), "unblock")


@export(name="sim.groupPackage", writes=True)
def group_package(call: Call, tag: Any, group: str, package: str, action: str = "add") -> None:
    """Change a comps group: action add, block or remove."""
    if action not in ("add", "block", "remove"):
        raise koji.ParameterError("action must be add, block or remove")
    call.sim.ops.group_package(tag, str(group), str(package), action)


@export(name="sim.regenRepo", writes=True, locked=False)
def regen_repo(call: Call, tag: Any, wait: bool = True) -> dict[str, Any]:
    """Create a new repo for a tag now; with ``wait`` return once it is READY."""
    repo = call.sim.ops.regen_repo(tag, wait=bool(wait))
    call.wrote = True
    with call.sim.state.lock:
        return render.repo_info(call.sim.state, repo)


@export(name="sim.failRepos", writes=True)
def fail_repos(call: Call, tag: Any, count: int = 1) -> int:
    """Make the next ``count`` repo generations of a build tag fail (createrepo fails: the
    newRepo task and its createrepo children end FAILED, the repo in PROBLEM state)."""
    taginfo = call.sim.state.need_tag(tag)
    call.sim.repos.failing[taginfo.name] = max(0, int(count))
    return call.sim.repos.failing[taginfo.name]


@export(name="sim.loadSnapshot", writes=True, locked=False)
def load_snapshot(call: Call, path: str, wait: bool = True) -> dict[str, Any]:
    """Move a directory-loaded distribution to a second snapshot (a directory on this host):
    changed sources get new tagged builds, missing ones are retired, then a new repo."""
    changes = snapshot.load_snapshot(call.sim.ops, Path(str(path)), wait=bool(wait))
    call.wrote = True
    with call.sim.state.lock:
        repo = render.repo_info(call.sim.state, changes.repo) if changes.repo else None
    return {
        "tagged": changes.tagged,
        "retired": changes.retired,
        "group_added": changes.group_added,
        "group_removed": changes.group_removed,
        "repo": repo,
    }


@export(name="sim.setHost", writes=True)
def set_host(call: Call, host: Any, fields: Any = None) -> dict[str, Any]:
    """Change a host: ready, enabled, capacity, task_load, arches."""
    return call.sim.ops.set_host(host, **dict(fields or {}))


@export(name="sim.addFault", writes=True)
def add_fault(call: Call, spec: Any) -> dict[str, Any]:
    """Inject a fault (see kojisim.control.faults for the kinds)."""
    try:
        rule = call.sim.faults.add(dict(spec))
    except ValueError as exc:
        raise koji.ParameterError(str(exc)) from exc
    return {
        "id": rule.id,
        "kind": rule.kind,
        "method": rule.method,
        "path": rule.path,
        "count": rule.count,
    }


@export(name="sim.clearFaults", writes=True)
def clear_faults(call: Call, fault_id: Any = None) -> int:
    return call.sim.faults.clear(int(fault_id) if fault_id is not None else None)


@export(name="sim.listFaults")
def list_faults(call: Call) -> list[dict[str, Any]]:
    return call.sim.faults.rules()


@export(name="sim.corruptRepodata", writes=True)
def corrupt_repodata(
    call: Call, repo_id: Any, arch: Any = None, kind: str = "primary", how: str = "corrupt"
) -> str:
    """Damage a repodata file on disk for good (how: corrupt or truncate)."""
    return call.sim.damage_repodata(int(repo_id), arch, str(kind), str(how))


@export(name="sim.expireSessions", writes=True)
def expire_sessions(call: Call, user: Any = None) -> int:
    """Expire login sessions (all, or one user's); clients must renew them."""
    state = call.sim.state
    account = state.get_user(user, strict=True) if user is not None else None
    count = 0
    for session in state.sessions.values():
        if not session.closed and (account is None or session.user_id == account.id):
            session.expired = True
            count += 1
    return count


@export(name="sim.listMessages")
def list_messages(call: Call, topic: Any = None, limit: int = 100) -> list[dict[str, Any]]:
    """The latest bus messages (newest last), optionally those whose topic ends with ``topic``."""
    messages = [
        m for m in call.sim.publisher.log if topic is None or m["topic"].endswith(str(topic))
    ]
    return messages[-int(limit) :]


@export(name="sim.activeTasks")
def active_tasks(call: Call) -> list[dict[str, Any]]:
    state = call.sim.state
    return [
        render.task_info(state.tasks[i])
        for i in sorted(state.active_tasks)
        if state.tasks[i].state not in TASK_FINISHED
    ]
