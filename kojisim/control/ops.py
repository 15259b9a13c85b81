"""Operations that make the simulated distribution evolve (``sim.*`` methods and the timeline).

Callers hold the state lock, except for ``regen_repo(wait=True)`` which waits without it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import koji

from kojisim.core import history
from kojisim.core.model import BUILD_FAILED, Build, Repo, Tag
from kojisim.core.rpmdeps import DEP_KINDS, RPMSENSE_RPMLIB, join_evr
from kojisim.core.util import split_arches
from kojisim.engine import builders
from kojisim.engine.builders import BinarySpec, SourceSpec

if TYPE_CHECKING:
    from kojisim.control.faults import FaultInjector
    from kojisim.core.state import SimState
    from kojisim.engine.engine import Engine
    from kojisim.repos.repos import RepoManager


def bump_release(release: str) -> str:
    """1.fc42 -> 2.fc42, 7 -> 8, anything else gets ".1" appended."""
    match = re.match(r"^(\d+)(.*)$", release)
    if match:
        return f"{int(match.group(1)) + 1}{match.group(2)}"
    return release + ".1"


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def spec_from_build(state: SimState, build: Build) -> SourceSpec:
    """The spec of a build, derived from its rpms when it was loaded from repodata."""
    spec = state.specs.get(build.id)
    if spec is not None:
        return spec
    srpm = builders.srpm_of(state, build)
    binaries: dict[str, BinarySpec] = {}
    for rpm_id in build.rpm_ids:
        rpm = state.rpms[rpm_id]
        if rpm.arch == "src" or rpm.name in binaries:
            continue
        # versioned self-provides (name = evr, name(x86-64) = evr) belong to the old build
        own = {join_evr(rpm.epoch, rpm.version, rpm.release), f"{rpm.version}-{rpm.release}"}
        deps = {
            kind: [_escape(str(d)) for d in getattr(rpm, kind) if d.version not in own]
            for kind in DEP_KINDS
        }
        binaries[rpm.name] = BinarySpec(
            rpm.name, "noarch" if rpm.arch == "noarch" else None, deps, list(rpm.files)
        )
    requires = [
        _escape(str(d)) for d in (srpm.requires if srpm else ()) if not d.flags & RPMSENSE_RPMLIB
    ]
    return SourceSpec(
        name=build.name,
        version=build.version,
        release=build.release,
        epoch=build.epoch,
        build_requires=requires,
        buildarchs=list(srpm.buildarchs) if srpm else [],
        exclusivearch=list(srpm.exclusivearch) if srpm else [],
        excludearch=list(srpm.excludearch) if srpm else [],
        binaries=list(binaries.values()),
    )


_ARCH_KEYS = {
    "buildarch": "buildarchs",
    "build_arch": "buildarchs",
    "buildarchs": "buildarchs",
    "exclusive_arch": "exclusivearch",
    "exclusivearch": "exclusivearch",
    "exclude_arch": "excludearch",
    "excludearch": "excludearch",
}


def _spec_changes(base: SourceSpec, changes: dict[str, Any]) -> dict[str, Any]:
    """Field changes for a new version: release bumped, or reset to 1 for a new version."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key in _ARCH_KEYS:
            out[_ARCH_KEYS[key]] = split_arches(value)
        elif key == "binaries":
            out["binaries"] = [builders.binary_spec(b) for b in value]
        elif key in ("version", "release", "epoch", "build_requires"):
            out[key] = value if key in ("epoch", "build_requires") else str(value)
        else:
            raise koji.ParameterError(f"unknown build field {key!r}")
    if "release" not in out:
        if "version" in out:
            suffix = base.release.split(".", 1)[1] if "." in base.release else ""
            out["release"] = f"1.{suffix}" if suffix else "1"
        else:
            out["release"] = bump_release(base.release)
    return out


class SimOps:
    """Changes an operator (or the scenario timeline) applies to the simulated Koji."""

    def __init__(
        self, state: SimState, engine: Engine, repos: RepoManager, faults: FaultInjector
    ) -> None:
        self.state = state
        self.engine = engine
        self.repos = repos
        self.faults = faults

    def _tag(self, tag: Any) -> Tag:
        return self.state.need_tag(tag)

    def _user_id(self, name: Any) -> int:
        user = self.state.need_user(name or "releng")
        return user.id

    def default_tag(self) -> Tag:
        target = min(self.state.targets.values(), key=lambda t: t.id, default=None)
        if target is None:
            raise koji.GenericError("no build target, name a tag")
        return self.state.tags[target.dest_tag_id]

    def new_build(
        self,
        package: str,
        tag: Any = None,
        untagged: bool = False,
        failed: bool = False,
        owner: Any = None,
        **changes: Any,
    ) -> Build:
        """A new COMPLETE build of a package (next release unless a version is given), tagged."""
        state = self.state
        pkg = state.get_package(package)
        latest = max(
            (b for b in state.builds.values() if pkg and b.package_id == pkg.id),
            key=lambda b: b.id,
            default=None,
        )
        base = spec_from_build(state, latest) if latest else SourceSpec(package, "1.0", "0")
        spec = base.evolve(**_spec_changes(base, changes))
        if state.get_build(spec.nvr) is not None:
            raise koji.GenericError(f"Build already exists: {spec.nvr}")
        dest = self._tag(tag) if tag else self.default_tag()
        owner_id = self._user_id(owner or spec.owner)
        if failed:
            return self._failed_build(spec, dest, owner_id)
        return self._make_build(spec, dest, owner_id, untagged)

    def _failed_build(self, spec: SourceSpec, dest: Tag, owner_id: int) -> Build:
        """A FAILED build (just its SRPM): its NVR may be built again for real."""
        state = self.state
        event = state.new_event().id
        build = builders.new_build(state, spec, owner_id, event, build_state=BUILD_FAILED)
        builders.add_srpm(state, build, spec)
        listing = history.package_list(state, dest.id, inherit=True, package_id=build.package_id)
        if build.package_id not in listing:
            history.set_package_listing(state, dest.id, build.package_id, event, owner_id)
        return build

    def _make_build(self, spec: SourceSpec, dest: Tag, owner_id: int, untagged: bool) -> Build:
        state = self.state
        event = state.new_event().id
        build = builders.new_build(state, spec, owner_id, event)
        srpm = builders.add_srpm(state, build, spec)
        target = next((t for t in state.targets.values() if t.dest_tag_id == dest.id), None)
        build_tag = target.build_tag_id if target else dest.id
        arches = builders.arch_list(history.tag_arches(state, build_tag) or ["x86_64"], srpm)
        builders.add_binaries(state, build, spec, arches)
        repo = self.repos.latest_ready(build_tag)
        if repo is not None:
            channel = state.need_channel("default")
            self.engine.import_task(
                build, target.name if target else dest.name, build_tag, repo, channel.id
            )
        listing = history.package_list(state, dest.id, inherit=True, package_id=build.package_id)
        if build.package_id not in listing:
            history.set_package_listing(state, dest.id, build.package_id, event, owner_id)
        if not untagged:
            history.tag_build(state, dest.id, build, event, owner_id)
        return build

    def tag_build(self, tag: Any, build: Any, user: Any = None) -> None:
        binfo = self.state.need_build(build)
        history.tag_build(
            self.state, self._tag(tag).id, binfo, self.state.new_event().id, self._user_id(user)
        )

    def untag_build(self, tag: Any, build: Any, user: Any = None, strict: bool = True) -> None:
        binfo = self.state.need_build(build)
        history.untag_build(
            self.state,
            self._tag(tag).id,
            binfo,
            self.state.new_event().id,
            self._user_id(user),
            strict=strict,
        )

    def package_list(self, tag: Any, package: str, action: str, owner: Any = None) -> None:
        """add / block / unblock / remove a package in a tag's package list."""
        state = self.state
        taginfo = self._tag(tag)
        pkg = builders.ensure_package(state, package)
        event = state.new_event().id
        current = history.package_list(state, taginfo.id, inherit=True, package_id=pkg.id).get(
            pkg.id
        )
        owner_id = current[0].owner_id if current else self._user_id(owner)
        if action == "remove":
            history.remove_package_listing(state, taginfo.id, pkg.id, event)
            return
        if action == "unblock" and not (current and current[0].blocked):
            raise koji.GenericError(f"package {package} NOT blocked in tag {taginfo.name}")
        history.set_package_listing(
            state, taginfo.id, pkg.id, event, owner_id, blocked=action == "block"
        )

    def group_package(self, tag: Any, group: str, package: str, action: str = "add") -> None:
        """add / block / remove a package of a comps group (e.g. the build group)."""
        taginfo = self._tag(tag)
        event = self.state.new_event().id
        history.set_group_package(
            self.state,
            taginfo.id,
            group,
            package,
            event,
            blocked=action == "block",
            remove=action == "remove",
        )

    def set_host(self, host: Any, **fields: Any) -> dict[str, Any]:
        hinfo = self.state.need_host(host)
        for key in ("ready", "enabled"):
            if fields.get(key) is not None:
                setattr(hinfo, key, bool(fields[key]))
        for key in ("capacity", "task_load"):
            if fields.get(key) is not None:
                setattr(hinfo, key, float(fields[key]))
        if fields.get("task_load") is not None:
            hinfo.base_load = float(fields["task_load"])
        if fields.get("arches") is not None:
            hinfo.arches = (
                " ".join(fields["arches"])
                if isinstance(fields["arches"], list)
                else str(fields["arches"])
            )
        return {
            "name": hinfo.name,
            "ready": hinfo.ready,
            "enabled": hinfo.enabled,
            "capacity": hinfo.capacity,
            "task_load": hinfo.task_load,
            "arches": hinfo.arches,
        }

    def regen_repo(self, tag: Any, wait: bool = True) -> Repo:
        with self.state.lock:
            taginfo = self._tag(tag)
            repo = self.engine.new_repo(taginfo.id)
        if wait:
            self.repos.wait_for(repo)
        return repo

    def timeline(self, action: str, args: dict[str, Any]) -> None:
        """Run one scenario timeline entry (called by the engine with the lock held)."""
        handlers = {
            "new_build": lambda: self.new_build(**args),
            "tag_build": lambda: self.tag_build(**args),
            "untag_build": lambda: self.untag_build(**args),
            "block": lambda: self.package_list(args["tag"], args["package"], "block"),
            "unblock": lambda: self.package_list(args["tag"], args["package"], "unblock"),
            "add_package": lambda: self.package_list(args["tag"], args["package"], "add"),
            "group_package": lambda: self.group_package(**args),
            "set_host": lambda: self.set_host(**args),
            "regen_repo": lambda: self.engine.new_repo(self._tag(args["tag"]).id),
            "fault": lambda: self.faults.add(args),
        }
        if action not in handlers:
            raise koji.GenericError(f"unknown timeline action {action!r}")
        handlers[action]()
