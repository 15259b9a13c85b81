"""Build-tag repos: creation (newRepo), generation in a worker thread, expiry and deletion.

Like kojira, the manager regenerates a build tag's repo some (simulated) seconds after any
change to the tags it inherits from; ``sim.regenRepo`` forces one.  A repo is INIT while its
repodata is written, then READY; older READY repos of the tag become EXPIRED and all but the
newest ``keep`` repos are DELETED and removed from disk.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import koji

from kojisim.core import history
from kojisim.core.model import (
    REPO_DELETED,
    REPO_EXPIRED,
    REPO_INIT,
    REPO_PROBLEM,
    REPO_READY,
    TASK_CLOSED,
    TASK_FAILED,
    TASK_OPEN,
    Repo,
    Rpm,
    Task,
)
from kojisim.core.state import SimState
from kojisim.core.util import canon_arch
from kojisim.repos.repogen import BaseRepodata, link_base_repodata, write_repodata

log = logging.getLogger(__name__)


@dataclass
class RepoJob:
    repo: Repo
    tag_name: str
    comps: str
    arches: dict[str, list[Rpm]]
    base: BaseRepodata | None = None
    base_arch: str | None = None
    keep: set[str] = field(default_factory=set)
    link_base: bool = False
    #: createrepo fails on purpose (``sim.failRepos``): the newRepo task ends FAILED
    fail: bool = False
    done: threading.Event = field(default_factory=threading.Event)


def _report_first_repo(job: RepoJob, base_pkgids: set[str], added: int) -> None:
    """Say whether a tag's first repo serves the repodata it was loaded from as it is."""
    if job.link_base:
        log.info("repo %s of %s serves the given repodata", job.repo.id, job.tag_name)
        return
    # Koji's repos hold the latest build of each package and no debuginfo, so an index
    # listing an old build's binaries beside the current ones loses the old ones.
    log.warning(
        "repo %s of %s differs from the given repodata: %d of its %d binaries dropped "
        "(not in a latest build, or debuginfo), %d added",
        job.repo.id,
        job.tag_name,
        len(base_pkgids - job.keep),
        len(base_pkgids),
        added,
    )


class RepoManager:
    """Creates and retires repos of build tags."""

    def __init__(
        self, state: SimState, topdir: Path, keep: int = 3, regen_delay: float = 30.0
    ) -> None:
        self.state = state
        self.topdir = topdir
        self.keep = keep
        self.regen_delay = regen_delay
        self.repo_tags: set[int] = set()
        self.bases: dict[int, tuple[BaseRepodata, str, set[str]]] = {}
        self.pending: dict[int, float] = {}
        self._queue: queue.Queue[RepoJob | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._jobs: dict[int, RepoJob] = {}
        #: build tag name -> how many of its next generations fail (``sim.failRepos``)
        self.failing: dict[str, int] = {}
        state.listeners.append(self._on_change)

    # -- scheduling -----------------------------------------------------------------------

    def _on_change(self, kind: str, data: dict[str, Any]) -> None:
        if kind not in ("tag", "untag", "package_list", "group"):
            return
        due = self.state.clock.now() + self.regen_delay
        for tag_id in history.descendants(self.state, data["tag_id"]) & self.repo_tags:
            self.pending.setdefault(tag_id, due)

    def due_regens(self, now: float, force: bool = False) -> list[int]:
        """Tags whose scheduled regeneration is due (removed from the schedule)."""
        due = [tag for tag, when in self.pending.items() if force or when <= now]
        for tag in due:
            del self.pending[tag]
        return due

    # -- creation -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._worker, name="kojisim-repos", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def new_repo(self, tag_id: int, owner_id: int, channel_id: int, wait: bool = False) -> Repo:
        """Start a newRepo for a tag; with ``wait`` the repodata is written before returning."""
        with self.state.lock:
            self.pending.pop(tag_id, None)
            job = self._prepare(tag_id, owner_id, channel_id)
        if wait:
            self._run(job)
        else:
            self.start()
            self._queue.put(job)
        return job.repo

    def wait_for(self, repo: Repo, timeout: float = 600) -> bool:
        """Block until a repo's generation finished (used by sim.regenRepo)."""
        job = self._jobs.get(repo.id)
        return True if job is None else job.done.wait(timeout)

    def _prepare(self, tag_id: int, owner_id: int, channel_id: int) -> RepoJob:
        state = self.state
        tag = state.tags[tag_id]
        event = state.new_event()
        task = Task(
            id=state.next_id("task"),
            method="newRepo",
            request=[tag.name],
            owner_id=owner_id,
            create_ts=event.ts,
            channel_id=channel_id,
            priority=15,
            weight=0.1,
            state=TASK_OPEN,
            start_ts=event.ts,
        )
        state.tasks[task.id] = task
        arches = sorted(
            {canon_arch(a) for a in history.tag_arches(state, tag_id)} - {"src", "noarch"}
        )
        repo = Repo(state.next_id("repo"), tag_id, REPO_INIT, event.id, task.id, arches=arches)
        self._createrepo_children(task, repo)
        state.repos[repo.id] = repo
        self.repo_tags.add(tag_id)
        groups = history.read_tag_groups(state, tag_id, event.id)
        job = RepoJob(
            repo, tag.name, koji.generate_comps(groups, expand_groups=True), {a: [] for a in arches}
        )
        self._fill(job, tag_id, event.id)
        if self.failing.get(tag.name, 0) > 0:
            self.failing[tag.name] -= 1
            job.fail = True
        self._jobs[repo.id] = job
        state.notify("repo_init", repo_id=repo.id, tag_id=tag_id)
        return job

    def _createrepo_children(self, parent: Task, repo: Repo) -> None:
        """One createrepo subtask per arch, request [repo_id, arch, oldrepo] as kojid makes."""
        old = self.latest_ready(repo.tag_id)
        oldrepo = (
            None
            if old is None
            else {"id": old.id, "create_ts": self.state.event_ts(old.create_event)}
        )
        for arch in repo.arches:
            child = Task(
                id=self.state.next_id("task"),
                method="createrepo",
                request=[repo.id, arch, oldrepo],
                owner_id=parent.owner_id,
                create_ts=parent.create_ts,
                channel_id=parent.channel_id,
                arch=arch,
                priority=parent.priority - 1,
                parent=parent.id,
                label=arch,
                weight=0.1,
                state=TASK_OPEN,
                start_ts=parent.start_ts,
            )
            self.state.tasks[child.id] = child
            self.state.task_children.setdefault(parent.id, []).append(child.id)

    def _fill(self, job: RepoJob, tag_id: int, event: int) -> None:
        state = self.state
        base = self.bases.get(tag_id)
        if base is not None:
            job.base, job.base_arch = base[0], base[1]
        synth_base_arch = 0
        for _entry, build in history.tagged_builds(state, tag_id, event, inherit=True, latest=True):
            for rpm_id in build.rpm_ids:
                rpm = state.rpms[rpm_id]
                if rpm.arch == "src" or koji.is_debuginfo(rpm.name):
                    continue
                if rpm.origin == "base" and base is not None:
                    job.keep.add(rpm.pkgid)
                    continue
                targets = job.arches if rpm.arch == "noarch" else [canon_arch(rpm.arch)]
                for arch in targets:
                    if arch in job.arches:
                        job.arches[arch].append(rpm)
                        synth_base_arch += arch == job.base_arch
        if base is not None:
            job.link_base = job.keep == base[2] and not synth_base_arch
            if not any(r.tag_id == tag_id for r in state.repos.values() if r is not job.repo):
                _report_first_repo(job, base[2], synth_base_arch)

    # -- generation -----------------------------------------------------------------------

    def _worker(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._run(job)

    def _run(self, job: RepoJob) -> None:
        ok = True
        try:
            if job.fail:
                raise RuntimeError(f"createrepo of {job.tag_name} fails (sim.failRepos)")
            self._generate(job)
        except Exception:
            log.exception("generating repo %s of %s failed", job.repo.id, job.tag_name)
            ok = False
        with self.state.lock:
            self._finish(job.repo, ok)
            self._jobs.pop(job.repo.id, None)
        job.done.set()

    def repo_dir(self, tag_name: str, repo_id: int) -> Path:
        return self.topdir / "repos" / tag_name / str(repo_id)

    def _generate(self, job: RepoJob) -> None:
        repo_dir = self.repo_dir(job.tag_name, job.repo.id)
        (repo_dir / "groups").mkdir(parents=True, exist_ok=True)
        (repo_dir / "groups" / "comps.xml").write_text(job.comps)
        for arch, rpms in job.arches.items():
            arch_dir = repo_dir / arch
            arch_dir.mkdir(parents=True, exist_ok=True)
            toplink = arch_dir / "toplink"
            if not toplink.exists():
                toplink.symlink_to(os.path.relpath(self.topdir, arch_dir))
            if arch == job.base_arch and job.base is not None:
                if job.link_base:
                    link_base_repodata(arch_dir, job.base, job.comps)
                    continue
                write_repodata(
                    arch_dir, rpms, job.comps, job.base, job.keep.__contains__, len(job.keep)
                )
            else:
                write_repodata(arch_dir, rpms, job.comps)
        info = {
            "id": job.repo.id,
            "tag": job.tag_name,
            "tag_id": job.repo.tag_id,
            "event_id": job.repo.create_event,
            "arches": job.repo.arches,
        }
        (repo_dir / "repo.json").write_text(json.dumps(info, indent=2))
        log.info("repo %s of %s written (%s)", job.repo.id, job.tag_name, ", ".join(job.arches))

    def _finish(self, repo: Repo, ok: bool) -> None:
        state = self.state
        task = state.tasks.get(repo.task_id) if repo.task_id else None
        now = state.clock.now()
        if task is not None:
            for child_id in [*state.task_children.get(task.id, []), task.id]:
                done = state.tasks[child_id]
                done.completion_ts = now
                done.state = TASK_CLOSED if ok else TASK_FAILED
                if not ok:
                    done.fault = (1000, f"createrepo failed for repo {repo.id}")
            task.result = [repo.id, repo.create_event] if ok else None
        if not ok:
            repo.state = REPO_PROBLEM
            return
        repo.state = REPO_READY
        tag_repos = sorted(
            (r for r in state.repos.values() if r.tag_id == repo.tag_id and not r.dist),
            key=lambda r: r.id,
        )
        live = [r for r in tag_repos if r.state in (REPO_READY, REPO_EXPIRED)]
        for old in live:
            if old.id < repo.id and old.state == REPO_READY:
                old.state = REPO_EXPIRED
        for old in live[: max(0, len(live) - self.keep)]:
            old.state = REPO_DELETED
            shutil.rmtree(self.repo_dir(state.tags[old.tag_id].name, old.id), ignore_errors=True)
        state.notify("repo_done", repo_id=repo.id, tag_id=repo.tag_id)

    def latest_ready(self, tag_id: int) -> Repo | None:
        ready = [
            r for r in self.state.repos.values() if r.tag_id == tag_id and r.state == REPO_READY
        ]
        return max(ready, key=lambda r: r.id) if ready else None
