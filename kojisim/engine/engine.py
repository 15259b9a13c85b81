"""The build engine: tasks move FREE -> OPEN -> CLOSED/FAILED/CANCELED on the simulated clock.

``build`` creates a parent task; when a host opens it, the engine plays kojid's BuildTask:
it checks the target, repo and SRPM, computes the arch list and spawns an optional
``rebuildSRPM`` child and one ``buildArch`` child per arch (their requests carry the repo id
exactly where kojid puts it).  Each child resolves its buildroot, writes root.log/build.log
and finishes after its rule-given duration.  Non-scratch builds are imported and tagged.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import koji

from kojisim.core import history
from kojisim.core.model import (
    BUILD_COMPLETE,
    TASK_CLOSED,
    TASK_FINISHED,
    TASK_FREE,
    TASK_OPEN,
    Build,
    Repo,
    Rpm,
    Task,
)
from kojisim.core.state import SimState
from kojisim.core.util import canon_arch
from kojisim.engine import builders, tasks
from kojisim.engine.buildflow import BuildFlow
from kojisim.engine.outcomes import EngineConfig
from kojisim.engine.resolver import RepoIndex
from kojisim.repos.repos import RepoManager

log = logging.getLogger(__name__)

TimelineHandler = Callable[[str, dict[str, Any]], None]


class Engine(BuildFlow):
    """Drives tasks, scheduled repo regenerations and the scenario timeline."""

    def __init__(
        self, state: SimState, repos: RepoManager, topdir: Path, config: EngineConfig
    ) -> None:
        self.state = state
        self.repos = repos
        self.topdir = topdir
        self.config = config
        self.start_ts = state.clock.now()
        self.timeline: list[dict[str, Any]] = []
        self.timeline_handler: TimelineHandler | None = None
        self._indexes: OrderedDict[tuple[int, str], RepoIndex] = OrderedDict()

    # -- submission -----------------------------------------------------------------------

    def submit(
        self,
        owner_id: int,
        src: str,
        target: Any,
        opts: dict[str, Any],
        priority: int,
        channel_id: int,
    ) -> Task:
        """Create the parent task of a build (the hub's ``build`` call)."""
        task = tasks.make_task(
            self.state, "build", [src, target, opts], owner_id, channel_id, priority=priority
        )
        task.plan["phase"] = "new"
        return task

    def cancel(self, task: Task, recurse: bool = True) -> bool:
        """Cancel a task (and its children); a BUILDING build becomes CANCELED."""
        done = tasks.cancel_task(self.state, task, recurse=recurse)
        build_id = task.plan.get("build_id")
        build = self.state.builds.get(build_id) if build_id else None
        if build is not None and build.state == koji.BUILD_STATES["BUILDING"]:
            build.state = koji.BUILD_STATES["CANCELED"]
            build.completion_ts = self.state.clock.now()
        return done

    # -- the clock --------------------------------------------------------------------------

    def tick(
        self, force: bool = False, outcome: str | None = None, only: set[int] | None = None
    ) -> int:
        """Apply every transition that is due; returns how many happened."""
        now = self.state.clock.now()
        self._run_timeline(now)
        for tag_id in self.repos.due_regens(now):
            self.new_repo(tag_id)
        count = 0
        for _round in range(1000):
            changed = 0
            ordered = sorted(
                (self.state.tasks[i] for i in self.state.active_tasks),
                key=lambda t: (t.priority, t.create_ts, t.id),
            )
            for task in ordered:
                if only is not None and self._root(task) not in only:
                    continue
                if task.state not in TASK_FINISHED and self._step(task, now, force, outcome):
                    changed += 1
            count += changed
            if not changed:
                break
        return count

    def finish(self, task_ids: list[int] | None, outcome: str | None = None) -> list[int]:
        """Run the given top-level tasks (default: all active ones) to completion now."""
        roots = {self._root(self.state.tasks[i]) for i in self.state.active_tasks}
        if task_ids:
            roots &= {int(i) for i in task_ids}
        self.tick(force=True, outcome=outcome, only=roots)
        return sorted(roots)

    def new_repo(self, tag_id: int, wait: bool = False) -> Repo:
        kojira = self.state.need_user("kojira")
        channel = self.state.get_channel("createrepo") or self.state.need_channel("default")
        return self.repos.new_repo(tag_id, kojira.id, channel.id, wait=wait)

    def _root(self, task: Task) -> int:
        while task.parent is not None:
            task = self.state.tasks[task.parent]
        return task.id

    def _run_timeline(self, now: float) -> None:
        while self.timeline and self.start_ts + float(self.timeline[0].get("at", 0)) <= now:
            entry = self.timeline.pop(0)
            action = str(entry.get("action"))
            args = {k: v for k, v in entry.items() if k not in ("at", "action")}
            log.info("timeline: %s %s", action, args)
            if self.timeline_handler is not None:
                try:
                    self.timeline_handler(action, args)
                except koji.GenericError:
                    log.exception("timeline action %s failed", action)

    def _step(self, task: Task, now: float, force: bool, outcome: str | None) -> bool:
        if task.state == TASK_FREE:
            return self._try_open(task, now, force)
        if task.state != TASK_OPEN:
            return False
        if task.method == "build":
            return self.step_build(task, force)
        if task.method in ("buildArch", "rebuildSRPM"):
            return self.step_worker(task, now, force, outcome)
        return False

    def _try_open(self, task: Task, now: float, force: bool) -> bool:
        if not force and now < task.create_ts + self.config.assign_delay:
            return False
        host = tasks.pick_host(self.state, task)
        if host is None and force:
            candidates = [
                h for h in self.state.hosts.values() if h.enabled and task.channel_id in h.channels
            ]
            host = candidates[0] if candidates else None
        if host is None:
            if not force:
                return False
            tasks.set_task_state(self.state, task, TASK_OPEN)
        else:
            tasks.assign_host(self.state, task, host)
        if task.method == "build":
            self.start_build(task)
        elif task.method in ("buildArch", "rebuildSRPM"):
            self.start_worker(task, now)
        return True

    # -- repo contents for buildroots ---------------------------------------------------------

    def repo_index(self, repo: Repo, arch: str) -> RepoIndex:
        """Packages of one repo arch, indexed for the resolver (cached for a few repos)."""
        key = (repo.id, arch)
        index = self._indexes.get(key)
        if index is None:
            rpms = []
            for _entry, build in history.tagged_builds(
                self.state, repo.tag_id, repo.create_event, True, True
            ):
                for rpm_id in build.rpm_ids:
                    rpm = self.state.rpms[rpm_id]
                    if rpm.arch != "src" and _in_repo_arch(rpm, arch):
                        rpms.append(rpm)
            index = self._indexes[key] = RepoIndex(rpms)
            while len(self._indexes) > 4:
                self._indexes.popitem(last=False)
        self._indexes.move_to_end(key)
        return index

    # -- builds that exist from the start -------------------------------------------------

    def import_task(
        self, build: Build, target_name: str, build_tag_id: int, repo: Repo, channel_id: int
    ) -> Task:
        """A CLOSED build task tree for a build loaded from the scenario (like a real build)."""
        state = self.state
        srpm = builders.srpm_of(state, build)
        commit = hashlib.sha256(build.nvr.encode()).hexdigest()[:40]
        src = f"git+https://src.example.org/rpms/{build.name}.git#{commit}"
        parent = tasks.make_task(state, "build", [src, target_name, {}], build.owner_id, channel_id)
        arches = builders.arch_list(history.tag_arches(state, build_tag_id), srpm) if srpm else []
        keep = True
        for arch in arches or ["noarch"]:
            child = tasks.make_task(
                state,
                "buildArch",
                [builders.srpm_path(build), build_tag_id, arch, keep, {"repo_id": repo.id}],
                build.owner_id,
                channel_id,
                parent=parent,
                label=arch,
                arch=arch if arch == "noarch" else canon_arch(arch),
            )
            keep = False
            self._close_imported(child, build)
        self._close_imported(parent, build)
        parent.plan = {"build_id": build.id, "phase": "done"}
        build.task_id = parent.id
        return parent

    def _close_imported(self, task: Task, build: Build) -> None:
        hosts = [h for h in self.state.hosts.values() if tasks.host_fits(h, task) or h.enabled]
        task.host_id = hosts[0].id if hosts else None
        task.create_ts = build.creation_ts - 600
        task.start_ts = build.creation_ts - 590
        task.completion_ts = build.completion_ts or build.creation_ts
        task.state = TASK_CLOSED
        task.result = (
            None if task.method == "build" else {"rpms": [], "srpms": [], "logs": [], "brootid": 0}
        )
        self.state.active_tasks.discard(task.id)
        if build.state != BUILD_COMPLETE:
            log.debug("imported build %s is not complete", build.nvr)


def _in_repo_arch(rpm: Rpm, arch: str) -> bool:
    """Whether a binary rpm belongs to a repo arch (loaded repodata is served as it is)."""
    return rpm.arch == "noarch" or rpm.origin == "base" or canon_arch(rpm.arch) == arch
