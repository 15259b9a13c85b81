"""What kojid does for a build: the parent ``build`` task and its worker subtasks.

Mixed into ``Engine``; kept apart so each module stays readable.  Failures raised while
planning use Koji's own exception classes so that the task's fault code and text look like
the real ones (BuildError 1005 for package problems, GenericError 1000 otherwise).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import koji

from kojisim.core import history
from kojisim.core.model import (
    BR_BUILDING,
    BR_EXPIRED,
    BUILD_BUILDING,
    BUILD_COMPLETE,
    BUILD_FAILED,
    REPO_EXPIRED,
    REPO_READY,
    TASK_CANCELED,
    TASK_CLOSED,
    TASK_FAILED,
    TASK_FINISHED,
    Buildroot,
    Repo,
    Rpm,
    Task,
)
from kojisim.core.state import SimState
from kojisim.core.util import canon_arch
from kojisim.engine import builders, tasks
from kojisim.engine.outcomes import (
    EngineConfig,
    Outcome,
    decide,
    fault_for,
    write_build_log,
    write_root_log,
)
from kojisim.engine.resolver import RepoIndex, Resolution, Resolver
from kojisim.repos.repos import RepoManager


class BuildFlow:
    """Build task handling (parent, rebuildSRPM and buildArch)."""

    state: SimState
    repos: RepoManager
    topdir: Path
    config: EngineConfig

    def repo_index(self, repo: Repo, arch: str) -> RepoIndex:
        raise NotImplementedError

    # -- parent task ----------------------------------------------------------------------

    def start_build(self, task: Task) -> None:
        """Plan a build when a host opened its parent task, then spawn the subtasks."""
        try:
            plan = self._plan(task)
            if plan is None:
                task.plan["phase"] = "waitrepo"
                return
            task.plan.update(plan)
            if not plan["scratch"]:
                self._init_build(task)
        except koji.GenericError as exc:
            self._fail_parent(task, exc.faultCode, str(exc))
            return
        task.waiting = True
        config = history.build_config(self.state, plan["build_tag"])
        if config["extra"].get("rebuild_srpm"):
            opts = {"repo_id": plan["repo_id"], "scratch": plan["scratch"]}
            tasks.make_task(
                self.state,
                "rebuildSRPM",
                [plan["src"], plan["build_tag"], opts],
                task.owner_id,
                task.channel_id,
                parent=task,
                label="srpm",
            ).awaited = True
            task.plan["phase"] = "srpm"
        else:
            self._spawn_arches(task, plan["src"])

    def step_build(self, task: Task, force: bool) -> bool:
        phase = task.plan.get("phase")
        if phase in ("new", "waitrepo"):
            self.start_build(task)
            return task.plan.get("phase") != "waitrepo"
        if phase in ("srpm", "arches"):
            return self._check_children(task)
        return False

    def _plan(self, task: Task) -> dict[str, Any] | None:
        src, target = task.request[0], task.request[1]
        opts: dict[str, Any] = dict(task.request[2] or {})
        state = self.state
        scratch = bool(opts.get("scratch"))
        if opts.get("arch_override") and not scratch:
            raise koji.BuildError("arch_override is only allowed for scratch builds")
        repo = self._requested_repo(opts)
        build_tag, dest_tag, skip_tag = self._tags_for(target, repo, bool(opts.get("skip_tag")))
        srpm = self.find_srpm(src)
        if repo is None:
            repo = self.repos.latest_ready(build_tag)
            if repo is None:
                return None
        override = opts.get("arch_override") if scratch else None
        arches = builders.arch_list(
            history.tag_arches(state, build_tag, repo.create_event), srpm, override
        )
        if not arches:
            raise koji.BuildError("No matching arches were found")
        if not scratch and not skip_tag:
            self._check_package_list(dest_tag, srpm.name)
        return {
            "phase": "planned",
            "src": src,
            "repo_id": repo.id,
            "build_tag": build_tag,
            "dest_tag": dest_tag,
            "srpm_id": srpm.id,
            "arches": arches,
            "scratch": scratch,
            "skip_tag": skip_tag,
        }

    def _tags_for(self, target: Any, repo: Repo | None, skip_tag: bool) -> tuple[int, int, bool]:
        """(build tag, destination tag, skip_tag) from the target or the requested repo."""
        state = self.state
        target_info = state.get_target(target) if target else None
        if target_info is not None:
            build_tag = target_info.build_tag_id
            if repo is not None and repo.tag_id != build_tag:
                names = f"{state.tags[repo.tag_id].name}/{state.tags[build_tag].name}"
                raise koji.BuildError(f"Repo/Target mismatch: {names}")
            return build_tag, target_info.dest_tag_id, skip_tag
        if repo is None:
            raise koji.GenericError(f"unknown build target: {target}")
        if target is None:
            return repo.tag_id, repo.tag_id, True
        tag = state.get_tag(target)
        if tag is None:
            raise koji.GenericError(f"neither tag nor target: {target}")
        return repo.tag_id, tag.id, skip_tag

    def _requested_repo(self, opts: dict[str, Any]) -> Repo | None:
        if opts.get("repo_id") is None:
            return None
        repo = self.state.repos.get(int(opts["repo_id"]))
        if repo is None:
            raise koji.BuildError(f"No such repo: {opts['repo_id']}")
        if repo.state not in (REPO_READY, REPO_EXPIRED):
            raise koji.BuildError(f"Bad repo: {repo.id} ({koji.REPO_STATES[repo.state]})")
        return repo

    def _check_package_list(self, dest_tag: int, name: str) -> None:
        package = self.state.get_package(name)
        listing = history.package_list(
            self.state, dest_tag, inherit=True, package_id=package.id if package else None
        )
        entry = listing.get(package.id) if package else None
        tag_name = self.state.tags[dest_tag].name
        if not entry:
            raise koji.BuildError(f"package {name} not in list for tag {tag_name}")
        if entry[0].blocked:
            raise koji.BuildError(f"package {name} is blocked for tag {tag_name}")

    def find_srpm(self, src: str) -> Rpm:
        """The SRPM a build source refers to (a path ending in .src.rpm, or an SCM URL)."""
        state = self.state
        if "#" in src and ".git" in src:
            name = src.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
            package = state.get_package(name)
            builds = [b for b in state.builds.values() if package and b.package_id == package.id]
            for build in sorted(builds, key=lambda b: b.id, reverse=True):
                srpm = builders.srpm_of(state, build)
                if srpm is not None:
                    return srpm
            raise koji.GenericError(f"No such package in SCM: {src}")
        basename = src.rsplit("/", 1)[-1]
        if not basename.endswith(".src.rpm"):
            raise koji.GenericError(f"Invalid source specification: {src}")
        srpm = state.get_rpm(basename.removesuffix(".rpm"))
        if srpm is None:
            raise koji.GenericError(f"Error reading SRPM {src}: 404 Not Found")
        return srpm

    def _init_build(self, task: Task) -> None:
        """Reserve the build record of a non-scratch build (Koji's initBuild)."""
        state = self.state
        srpm = state.rpms[task.plan["srpm_id"]]
        existing = state.builds[srpm.build_id]
        if existing.state in (BUILD_COMPLETE, BUILD_BUILDING):
            state_name = koji.BUILD_STATES[existing.state]
            raise koji.GenericError(
                f"Build already exists (id={existing.id}, state={state_name}): {existing.nvr!r}"
            )
        existing.state = BUILD_BUILDING
        existing.task_id = task.id
        existing.start_ts = state.clock.now()
        existing.completion_ts = None
        task.plan["build_id"] = existing.id

    def _spawn_arches(self, task: Task, srpm_path: str) -> None:
        keep = True
        for arch in task.plan["arches"]:
            request = [
                srpm_path,
                task.plan["build_tag"],
                arch,
                keep,
                {"repo_id": task.plan["repo_id"]},
            ]
            child = tasks.make_task(
                self.state,
                "buildArch",
                request,
                task.owner_id,
                task.channel_id,
                parent=task,
                label=arch,
                arch=arch if arch == "noarch" else canon_arch(arch),
            )
            child.awaited = True
            keep = False
        task.plan["phase"] = "arches"

    def _check_children(self, task: Task) -> bool:
        kids = [k for k in tasks.children(self.state, task.id) if k.method != "tagBuild"]
        failed = next((k for k in kids if k.state in (TASK_FAILED, TASK_CANCELED)), None)
        if failed is not None:
            for kid in kids:
                if kid.state not in TASK_FINISHED:
                    tasks.cancel_task(self.state, kid)
            code, message = failed.fault or (1000, f"Task {failed.id} canceled")
            self._fail_parent(task, code, message)
            return True
        if any(k.state not in TASK_FINISHED for k in kids):
            return False
        if task.plan["phase"] == "srpm":
            self._spawn_arches(task, kids[0].result["srpm"])
            return True
        self._complete_parent(task, kids)
        return True

    def _fail_parent(self, task: Task, code: int, message: str) -> None:
        build = self.state.builds.get(task.plan.get("build_id") or 0)
        if build is not None and build.state == BUILD_BUILDING:
            build.state = BUILD_FAILED
            build.completion_ts = self.state.clock.now()
        task.waiting = None
        tasks.fail_task(self.state, task, code, message)

    def _complete_parent(self, task: Task, kids: list[Task]) -> None:
        plan = task.plan
        build = self.state.builds.get(plan.get("build_id") or 0)
        if build is not None:
            self._import_build(build, plan["arches"])
            if not plan["skip_tag"]:
                self._tag_built(task, build)
        task.waiting = None
        tasks.close_task(self.state, task, None)

    def _import_build(self, build: Any, arches: list[str]) -> None:
        state = self.state
        spec = state.specs.get(build.id)
        if spec is not None and not any(state.rpms[i].arch != "src" for i in build.rpm_ids):
            builders.add_binaries(state, build, spec, arches)
        build.state = BUILD_COMPLETE
        build.completion_ts = state.clock.now()

    def _tag_built(self, task: Task, build: Any) -> None:
        state = self.state
        dest = task.plan["dest_tag"]
        child = tasks.make_task(
            state,
            "tagBuild",
            [dest, build.id, False, None, True],
            task.owner_id,
            task.channel_id,
            parent=task,
            label="tag",
        )
        tasks.set_task_state(state, child, koji.TASK_STATES["OPEN"])
        history.tag_build(state, dest, build, state.new_event().id, task.owner_id)
        tasks.close_task(state, child, None)

    # -- worker subtasks --------------------------------------------------------------------

    def start_worker(self, task: Task, now: float) -> None:
        """Open a buildArch/rebuildSRPM task: resolve its buildroot, decide the outcome, log."""
        state = self.state
        opts = task.request[-1] if isinstance(task.request[-1], dict) else {}
        repo = state.repos.get(int(opts.get("repo_id") or 0))
        arch = task.request[2] if task.method == "buildArch" else "noarch"
        context = {
            "arch": arch,
            "task_id": task.id,
            "repo_id": opts.get("repo_id"),
            "tag": state.tags[task.request[1]].name if task.request[1] in state.tags else "?",
        }
        try:
            srpm = self.find_srpm(task.request[0])
        except koji.GenericError as exc:
            task.plan.update(ends_at=now, fault=(exc.faultCode, str(exc)), reason=str(exc))
            return
        if repo is None or repo.state not in (REPO_READY, REPO_EXPIRED):
            task.plan.update(ends_at=now, fault=fault_for("raw", context), reason="repo is gone")
            return
        repo_arch = canon_arch(arch)
        if repo_arch not in repo.arches:  # noarch tasks use the main arch's repo
            repo_arch = "x86_64" if "x86_64" in repo.arches else (repo.arches or [arch])[0]
        resolution = self._resolve(task, srpm, repo, repo_arch)
        if task.method == "buildArch":
            outcome = decide(self.config, task.id, srpm.name, arch, resolution, context)
        else:
            outcome = Outcome(self.config.srpm_duration)
        buildroot = self._buildroot(task, repo, repo_arch, resolution)
        workdir = tasks.task_dir(self.topdir, task.id)
        url = f"repos/{state.tags[repo.tag_id].name}/{repo.id}/{repo_arch}"
        write_root_log(workdir / "root.log", arch, resolution, url)
        write_build_log(workdir / "build.log", srpm.nvr, arch, None, [])
        task.plan.update(
            ends_at=now + outcome.duration,
            fault=outcome.fault,
            reason=outcome.reason,
            brootid=buildroot.id,
            srpm_id=srpm.id,
            arch=arch,
        )

    def _buildroot(self, task: Task, repo: Repo, arch: str, resolution: Resolution) -> Buildroot:
        state = self.state
        buildroot = Buildroot(
            id=state.next_id("buildroot"),
            task_id=task.id,
            host_id=task.host_id or 0,
            repo_id=repo.id,
            arch=arch,
            create_event=state.last_event().id,
            state=BR_BUILDING,
            installed=[r.id for r in resolution.installed],
        )
        state.buildroots[buildroot.id] = buildroot
        return buildroot

    def _resolve(self, task: Task, srpm: Rpm, repo: Repo, repo_arch: str) -> Resolution:
        groups = {
            g["name"]: g
            for g in history.read_tag_groups(self.state, repo.tag_id, repo.create_event)
        }
        group = groups.get("srpm-build") if task.method == "rebuildSRPM" else None
        group = group or groups.get("build")
        names = [
            p["package"]
            for p in (group or {}).get("packagelist", [])
            if p["type"] in ("default", "mandatory")
        ]
        resolver = Resolver(self.repo_index(repo, repo_arch), self.config.ignore_weak_deps)
        requires = srpm.requires if task.method == "buildArch" else ()
        return resolver.resolve(requires, names)

    def step_worker(self, task: Task, now: float, force: bool, outcome: str | None) -> bool:
        plan = task.plan
        if not force and now < plan.get("ends_at", now):
            return False
        fault = plan.get("fault")
        if outcome == "CLOSED":
            fault = None
        elif outcome == "FAILED" and fault is None:
            fault = fault_for("build", {"arch": plan.get("arch", task.arch), "task_id": task.id})
            plan["reason"] = "build failed (forced)"
        buildroot = self.state.buildroots.get(plan.get("brootid") or 0)
        if buildroot is not None:
            buildroot.state = BR_EXPIRED
            buildroot.retire_event = self.state.last_event().id
        if fault is not None:
            self._write_final_log(task, Outcome(0, tuple(fault), plan.get("reason", "")))
            tasks.fail_task(self.state, task, fault[0], fault[1])
        else:
            self._write_final_log(task, Outcome(0))
            tasks.close_task(self.state, task, self._worker_result(task))
        return True

    def _relpath(self, task: Task, name: str) -> str:
        return f"tasks/{task.id % 10000}/{task.id}/{name}"

    def _worker_result(self, task: Task) -> dict[str, Any]:
        srpm = self.state.rpms[task.plan["srpm_id"]]
        logs = [self._relpath(task, "build.log"), self._relpath(task, "root.log")]
        brootid = task.plan["brootid"]
        if task.method == "rebuildSRPM":
            return {
                "srpm": self._relpath(task, f"{srpm.nvr}.src.rpm"),
                "logs": logs,
                "brootid": brootid,
                "source": {"source": task.request[0], "url": task.request[0]},
            }
        spec = self.state.specs.get(srpm.build_id)
        names = builders.planned_binaries(spec, task.request[2]) if spec else []
        rpms = [self._relpath(task, f"{n}-{srpm.version}-{srpm.release}.{a}.rpm") for n, a in names]
        srpms = [self._relpath(task, f"{srpm.nvr}.src.rpm")] if task.request[3] else []
        return {"rpms": rpms, "srpms": srpms, "logs": logs, "brootid": brootid}

    def _write_final_log(self, task: Task, outcome: Outcome) -> None:
        srpm = self.state.rpms.get(task.plan.get("srpm_id") or 0)
        if srpm is None:
            return
        spec = self.state.specs.get(srpm.build_id)
        arch = task.plan.get("arch", task.arch)
        names = builders.planned_binaries(spec, arch) if spec and task.method == "buildArch" else []
        fake = [Rpm(0, 0, n, srpm.version, srpm.release, srpm.epoch, a) for n, a in names]
        write_build_log(
            tasks.task_dir(self.topdir, task.id) / "build.log", srpm.nvr, arch, outcome, fake
        )


__all__ = ["TASK_CLOSED", "BuildFlow"]
