"""Generic task handling: creation, state changes (with notifications), cancelling, hosts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import koji

from kojisim.core.model import (
    TASK_CANCELED,
    TASK_CLOSED,
    TASK_FAILED,
    TASK_FINISHED,
    TASK_OPEN,
    Host,
    Task,
)
from kojisim.core.state import SimState
from kojisim.core.util import canon_arch

#: Koji task weights (kojid handlers' _taskWeight / weight())
WEIGHTS = {"build": 0.2, "buildArch": 1.5, "rebuildSRPM": 1.0, "tagBuild": 0.1, "newRepo": 0.1}


def make_task(
    state: SimState,
    method: str,
    request: list[Any],
    owner_id: int,
    channel_id: int,
    *,
    parent: Task | None = None,
    label: str | None = None,
    arch: str = "noarch",
    priority: int | None = None,
) -> Task:
    """Insert a FREE task; subtasks default to the parent's owner, channel and priority - 1."""
    if parent is not None:
        owner_id = parent.owner_id
        channel_id = parent.channel_id
        priority = parent.priority - 1 if priority is None else priority
    task = Task(
        id=state.next_id("task"),
        method=method,
        request=request,
        owner_id=owner_id,
        create_ts=state.clock.now(),
        channel_id=channel_id,
        arch=arch,
        priority=koji.PRIO_DEFAULT if priority is None else priority,
        parent=parent.id if parent else None,
        label=label,
        weight=WEIGHTS.get(method, 1.0),
    )
    state.tasks[task.id] = task
    state.active_tasks.add(task.id)
    if parent is not None:
        state.task_children.setdefault(parent.id, []).append(task.id)
    return task


def set_task_state(state: SimState, task: Task, new: int) -> None:
    """Move a task to a new state, keeping timestamps, host load and listeners up to date."""
    old = task.state
    if old == new:
        return
    now = state.clock.now()
    if new == TASK_OPEN:
        task.start_ts = now
    if new in TASK_FINISHED:
        task.completion_ts = now
        state.active_tasks.discard(task.id)
        if old == TASK_OPEN and task.host_id is not None:
            release_host(state, task)
    task.state = new
    state.notify(
        "task_state",
        task_id=task.id,
        old=koji.TASK_STATES[old],
        new=koji.TASK_STATES[new],
    )


def fail_task(state: SimState, task: Task, code: int, message: str) -> None:
    task.fault = (code, message)
    task.result = None
    set_task_state(state, task, TASK_FAILED)


def close_task(state: SimState, task: Task, result: Any) -> None:
    task.result = result
    set_task_state(state, task, TASK_CLOSED)


def cancel_task(state: SimState, task: Task, recurse: bool = True) -> bool:
    """Koji's Task.cancel: True when canceled (or already canceled), False when finished."""
    if task.state == TASK_CANCELED:
        return True
    if task.state in (TASK_CLOSED, TASK_FAILED):
        return False
    set_task_state(state, task, TASK_CANCELED)
    if recurse:
        for child in children(state, task.id):
            cancel_task(state, child, recurse=True)
    state.notify("task_canceled", task_id=task.id)
    return True


def children(state: SimState, task_id: int) -> list[Task]:
    return [state.tasks[child] for child in state.task_children.get(task_id, [])]


def host_fits(host: Host, task: Task) -> bool:
    """Whether a host could run a task (channel, arch, enabled, ready, capacity)."""
    if not (host.enabled and host.ready) or task.channel_id not in host.channels:
        return False
    if task.arch != "noarch" and canon_arch(task.arch) not in host.arches.split():
        return False
    return host.task_load + task.weight <= host.capacity + 1e-9


def pick_host(state: SimState, task: Task) -> Host | None:
    """The least loaded host that can take the task now."""
    hosts = [h for h in state.hosts.values() if host_fits(h, task)]
    if not hosts:
        return None
    return min(hosts, key=lambda h: (h.task_load / max(h.capacity, 0.1), h.id))


def assign_host(state: SimState, task: Task, host: Host) -> None:
    task.host_id = host.id
    host.task_load = round(host.task_load + task.weight, 3)
    set_task_state(state, task, TASK_OPEN)


def release_host(state: SimState, task: Task) -> None:
    host = state.hosts.get(task.host_id or 0)
    if host is not None:
        host.task_load = max(host.base_load, round(host.task_load - task.weight, 3))


def task_dir(topdir: Path, task_id: int) -> Path:
    """Koji's work/tasks/<id % 10000>/<id> directory."""
    return topdir / "work" / "tasks" / str(task_id % 10000) / str(task_id)
