"""Reading Koji task trees and mirroring them into Build and KojiTask rows (spec 3.6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from builds import koji
from builds.models import Build, KojiTask


@dataclass
class ArchTask:
    """One buildArch child task."""

    task_id: int
    arch: str
    state: int
    started: datetime
    finished: datetime | None


@dataclass
class TaskTree:
    """A build's parent task with what Koschei keeps of its children."""

    task_id: int
    state: int
    started: datetime
    finished: datetime | None
    repo_id: int | None
    arch_tasks: list[ArchTask] = field(default_factory=list)


def timestamp(value: float | None) -> datetime | None:
    """A Koji ``*_ts`` float as an aware UTC datetime."""
    return None if value is None else datetime.fromtimestamp(float(value), tz=UTC)


def child_repo_id(child: dict[str, Any]) -> int | None:
    """The repo a child task built in: buildArch opts are request[4], rebuildSRPM's [2]."""
    request = child.get("request") or []
    index = {"buildArch": 4, "rebuildSRPM": 2}.get(child.get("method", ""))
    if index is None or len(request) <= index or not isinstance(request[index], dict):
        return None
    repo_id = request[index].get("repo_id")
    return int(repo_id) if repo_id is not None else None


def fetch_task_trees(session: koji.Session, task_ids: Sequence[int]) -> list[TaskTree | None]:
    """The task tree of each task, in order (None for tasks Koji does not know)."""
    infos = koji.get_task_infos(session, task_ids)
    children = koji.get_task_children(session, task_ids)
    trees: list[TaskTree | None] = []
    for task_id, info, kids in zip(task_ids, infos, children, strict=True):
        if info is None:
            trees.append(None)
            continue
        repo_ids = [r for r in (child_repo_id(c) for c in kids) if r is not None]
        trees.append(
            TaskTree(
                task_id=task_id,
                state=int(info["state"]),
                started=timestamp(info["create_ts"]) or timezone.now(),
                finished=timestamp(info.get("completion_ts")),
                repo_id=repo_ids[0] if repo_ids else None,
                arch_tasks=[
                    ArchTask(
                        int(c["id"]),
                        str(c["arch"]),
                        int(c["state"]),
                        timestamp(c["create_ts"]) or timezone.now(),
                        timestamp(c.get("completion_ts")),
                    )
                    for c in kids
                    if c.get("method") == "buildArch"
                ],
            )
        )
    return trees


def apply_tree(build: Build, tree: TaskTree, *, finished_state: bool) -> None:
    """Copy times and (if still unknown) the repo id of a task tree onto a build."""
    build.started = tree.started
    build.finished = tree.finished or (timezone.now() if finished_state else None)
    if build.repo_id is None:
        build.repo_id = tree.repo_id


def koji_task_rows(build: Build, tree: TaskTree) -> list[KojiTask]:
    """Unsaved KojiTask rows of a build's buildArch children."""
    return [
        KojiTask(
            build=build,
            task_id=t.task_id,
            arch=t.arch,
            state=t.state,
            started=t.started,
            finished=t.finished,
        )
        for t in tree.arch_tasks
    ]


def upsert_koji_tasks(builds_and_trees: Sequence[tuple[Build, TaskTree]]) -> None:
    """Update the KojiTask rows of saved builds and insert the new ones, in bulk."""
    rows = [row for build, tree in builds_and_trees for row in koji_task_rows(build, tree)]
    existing = {
        t.task_id: t
        for t in KojiTask.objects.filter(
            build__in=[b for b, _ in builds_and_trees], task_id__in=[r.task_id for r in rows]
        )
    }
    updated = []
    for row in rows:
        current = existing.get(row.task_id)
        if current is None:
            continue
        current.state, current.started, current.finished = row.state, row.started, row.finished
        updated.append(current)
    KojiTask.objects.bulk_update(updated, ["state", "started", "finished"])
    KojiTask.objects.bulk_create([r for r in rows if r.task_id not in existing])
