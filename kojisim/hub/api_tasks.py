"""Hub methods: submitting builds and everything about tasks (info, children, results, output)."""

from __future__ import annotations

import base64
import os
import xmlrpc.client
from typing import Any

import koji
from koji.xmlrpcplus import dumps

from kojisim.core.model import TASK_CANCELED, TASK_FINISHED, Task
from kojisim.core.util import apply_query_opts, parse_time
from kojisim.engine import tasks
from kojisim.hub import render
from kojisim.hub.registry import Call, export


@export(writes=True)
def build(
    call: Call, src: Any, target: Any, opts: Any = None, priority: Any = None, channel: Any = None
) -> int:
    """Create a build task (the hub only queues it; kojid checks target and SRPM later)."""
    if call.user is None:
        raise koji.ActionNotAllowed("you must be logged in for this operation")
    if not isinstance(src, str):
        raise koji.ParameterError(
            f"Invalid type for value '{src}': {type(src)}, expected type <class 'str'>"
        )
    state = call.sim.state
    task_priority = koji.PRIO_DEFAULT
    if priority:
        if int(priority) < 0 and "admin" not in call.user.perms:
            raise koji.ActionNotAllowed("only admins may create high-priority tasks")
        task_priority += int(priority)
    chan = state.get_channel(channel or "default")
    if chan is None:
        raise koji.GenericError(f"No such channel: {channel}")
    if not chan.enabled:
        raise koji.GenericError(f"Channel {channel} is disabled.")
    task = call.sim.engine.submit(
        call.user.id, src, target, dict(opts or {}), task_priority, chan.id
    )
    return task.id


def _task(call: Call, task_id: Any, strict: bool = True) -> Task | None:
    return call.sim.state.get_task(task_id, strict=strict)


@export()
def getTaskInfo(call: Call, task_id: Any, request: bool = False, strict: bool = False) -> Any:
    if isinstance(task_id, list | tuple):
        return [getTaskInfo(call, i, request, strict) for i in task_id]
    task = _task(call, task_id, strict)
    return None if task is None else render.task_info(task, request)


@export()
def getTaskChildren(
    call: Call, task_id: Any, request: bool = False, strict: bool = False
) -> list[dict[str, Any]]:
    if strict:
        _task(call, task_id, True)
    return [
        render.task_info(child, request) for child in tasks.children(call.sim.state, int(task_id))
    ]


@export()
def getTaskDescendents(call: Call, task_id: Any, request: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pending = [int(task_id)]
    while pending:
        current = pending.pop(0)
        kids = tasks.children(call.sim.state, current)
        out[str(current)] = [render.task_info(k, request) for k in kids]
        pending += [k.id for k in kids]
    return out


@export()
def getTaskRequest(call: Call, taskId: Any) -> list[Any]:
    task = call.sim.state.need_task(taskId)
    return list(task.request)


@export()
def getTaskResult(call: Call, taskId: Any, raise_fault: bool = True) -> Any:
    task = call.sim.state.get_task(taskId)
    if task is None:
        raise koji.GenericError("No such task")
    if task.state == TASK_CANCELED:
        raise koji.GenericError(f"Task {task.id} is canceled")
    if task.state not in TASK_FINISHED:
        raise koji.GenericError(f"Task {task.id} is not finished")
    if task.fault is not None:
        if raise_fault:
            raise xmlrpc.client.Fault(*task.fault)
        return {"faultCode": task.fault[0], "faultString": task.fault[1]}
    return task.result


@export()
def taskFinished(call: Call, taskId: Any) -> bool:
    task = call.sim.state.need_task(taskId)
    return task.state in TASK_FINISHED


def _encoded(task: Task, field: str) -> Any:
    if field == "request":
        return dumps(tuple(task.request), methodname=task.method)
    if task.state not in TASK_FINISHED or task.state == TASK_CANCELED:
        return None
    if task.fault is not None:
        return dumps(xmlrpc.client.Fault(*task.fault), methodresponse=1)
    return dumps((task.result,), methodresponse=1)


def _decoded(task: Task, field: str) -> Any:
    if field == "request":
        return list(task.request)
    if task.state not in TASK_FINISHED or task.state == TASK_CANCELED:
        return None
    if task.fault is not None:
        return {"faultCode": task.fault[0], "faultString": task.fault[1]}
    return [task.result]


def _task_matches(task: Task, opts: dict[str, Any]) -> bool:
    for field in ("arch", "state"):
        if field in opts and getattr(task, field) not in opts[field]:
            return False
        if f"not_{field}" in opts and getattr(task, field) in opts[f"not_{field}"]:
            return False
    for field, attr in (
        ("owner", "owner_id"),
        ("host_id", "host_id"),
        ("channel_id", "channel_id"),
        ("parent", "parent"),
    ):
        value = getattr(task, attr)
        for key, negate in ((field, False), (f"not_{field}", True)):
            if key not in opts:
                continue
            wanted = opts[key]
            hit = (
                value is None
                if wanted is None
                else value in wanted
                if isinstance(wanted, list)
                else value == wanted
            )
            if hit == negate:
                return False
    return "method" not in opts or task.method == opts["method"]


def _time_matches(task: Task, opts: dict[str, Any]) -> bool:
    checks = (
        ("createdBefore", "create_ts", True),
        ("createdAfter", "create_ts", False),
        ("startedBefore", "start_ts", True),
        ("startedAfter", "start_ts", False),
        ("completeBefore", "completion_ts", True),
        ("completeAfter", "completion_ts", False),
        ("completedBefore", "completion_ts", True),
        ("completedAfter", "completion_ts", False),
    )
    for key, attr, before in checks:
        if opts.get(key) is None:
            continue
        value = getattr(task, attr)
        limit = parse_time(opts[key])
        if value is None or (value >= limit if before else value <= limit):
            return False
    return True


@export()
def listTasks(call: Call, opts: Any = None, queryOpts: Any = None) -> Any:
    opts = dict(opts or {})
    state = call.sim.state
    rows = []
    decode = bool(opts.get("decode"))
    for task in sorted(state.tasks.values(), key=lambda t: t.id):
        if not _task_matches(task, opts) or not _time_matches(task, opts):
            continue
        row = render.task_info(task)
        owner = state.users.get(task.owner_id)
        row["request"] = _decoded(task, "request") if decode else _encoded(task, "request")
        row["result"] = _decoded(task, "result") if decode else _encoded(task, "result")
        row["owner_name"] = owner.name if owner else None
        row["owner_type"] = owner.usertype if owner else None
        rows.append(row)
    return apply_query_opts(rows, queryOpts)


def _outputs(call: Call, task_id: int) -> list[str]:
    workdir = tasks.task_dir(call.sim.topdir, task_id)
    if not workdir.is_dir():
        return []
    return sorted(str(p.relative_to(workdir)) for p in workdir.rglob("*") if p.is_file())


@export()
def listTaskOutput(
    call: Call, taskID: Any, stat: bool = False, all_volumes: bool = False, strict: bool = False
) -> Any:
    if strict and call.sim.state.get_task(taskID) is None:
        raise koji.GenericError("Task doesn't exist")
    files = _outputs(call, int(taskID))
    if not stat:
        return {name: ["DEFAULT"] for name in files} if all_volumes else files
    result: dict[str, Any] = {}
    for name in files:
        info = os.stat(tasks.task_dir(call.sim.topdir, int(taskID)) / name)
        st = {
            "st_size": str(info.st_size),
            "st_atime": info.st_atime,
            "st_mtime": info.st_mtime,
            "st_ctime": info.st_ctime,
        }
        result[name] = {"DEFAULT": st} if all_volumes else st
    return result


@export()
def downloadTaskOutput(
    call: Call, taskID: Any, fileName: str, offset: int = 0, size: int = -1, volume: Any = None
) -> str:
    if ".." in fileName:
        raise koji.GenericError(f"Invalid file name: {fileName}")
    path = tasks.task_dir(call.sim.topdir, int(taskID)) / fileName
    if not path.is_file():
        raise koji.GenericError(f'no file "{fileName}" output by task {taskID}')
    data = path.read_bytes()
    data = data[int(offset) :]
    return base64.b64encode(data if int(size) < 0 else data[: int(size)]).decode()


def _may_cancel(call: Call, task: Task) -> None:
    if call.user is None or (task.owner_id != call.user.id and "admin" not in call.user.perms):
        raise koji.ActionNotAllowed("Cannot cancel task, not owner")


@export(writes=True)
def cancelTask(call: Call, task_id: Any, recurse: bool = True) -> None:
    task = call.sim.state.need_task(task_id)
    _may_cancel(call, task)
    call.sim.engine.cancel(task, recurse=recurse)


@export(writes=True)
def cancelTaskChildren(call: Call, task_id: Any) -> None:
    task = call.sim.state.need_task(task_id)
    _may_cancel(call, task)
    for child in tasks.children(call.sim.state, task.id):
        call.sim.engine.cancel(child)


@export(writes=True)
def cancelBuild(call: Call, buildID: Any, strict: bool = False) -> bool:
    if call.user is None:
        raise koji.ActionNotAllowed("you must be logged in for this operation")
    build = call.sim.state.get_build(buildID, strict=strict)
    if build is None:
        return False
    if build.owner_id != call.user.id and "admin" not in call.user.perms:
        raise koji.ActionNotAllowed("Cannot cancel build, not owner")
    if build.state != koji.BUILD_STATES["BUILDING"]:
        return False
    task = call.sim.state.tasks.get(build.task_id or 0)
    if task is not None:
        call.sim.engine.cancel(task)
    build.state = koji.BUILD_STATES["CANCELED"]
    return True
