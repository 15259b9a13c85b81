"""Switching a directory-loaded distribution to a second snapshot (``sim.loadSnapshot``).

A snapshot is a directory in the same format as ``--scenario DIR`` (``repodata/`` plus
``sources.json[.gz]``), typically the generator's ``OUT-updated/``.  Loading it makes Koji
look as if the distribution had moved from the loaded state to the snapshot: every source
whose NVR differs from the build tagged now gets a new build (its SRPM carries the
snapshot's BuildRequires, its binaries come from the snapshot's primary) and is tagged;
packages the snapshot no longer has are untagged and blocked (retired); the build group
follows the snapshot's ``build_group``; then the build tag gets a new repo.

An NVR names one build, as in Koji: a source whose NVR did not change keeps its build and
binaries even if the snapshot lists different ones for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import createrepo_c as cr
import koji

from kojisim.core import history
from kojisim.core.model import Build, Repo, Rpm, Tag
from kojisim.core.util import parse_nvr
from kojisim.repos.repogen import BaseRepodata
from kojisim.scenarios import dirload

if TYPE_CHECKING:
    from kojisim.control.ops import SimOps

log = logging.getLogger(__name__)


@dataclass
class SnapshotChanges:
    """What loading a snapshot changed: NVRs tagged and retired, build group edits, the repo."""

    tagged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    group_added: list[str] = field(default_factory=list)
    group_removed: list[str] = field(default_factory=list)
    repo: Repo | None = None


def _target_of(ops: SimOps, tag: Tag) -> tuple[str, int]:
    """The target name and build tag id of a dest tag (the tag itself without a target)."""
    for target in sorted(ops.state.targets.values(), key=lambda t: t.id):
        if target.dest_tag_id == tag.id:
            return target.name, target.build_tag_id
    return tag.name, tag.id


def _new_binaries(ops: SimOps, primary: Path, current: set[str]) -> dict[str, list[Rpm]]:
    """The snapshot's binaries whose source RPM is not tagged now, by source RPM name."""
    by_srpm: dict[str, list[Rpm]] = {}

    def done(pkg: Any) -> bool:
        srpm = pkg.rpm_sourcerpm or f"{pkg.name}-{pkg.version}-{pkg.release}.src.rpm"
        if srpm not in current:
            rpm = dirload.rpm_from_cr(ops.state, pkg)
            # written into later repos by the simulator, not streamed from the base repodata
            rpm.origin = "synth"
            by_srpm.setdefault(srpm, []).append(rpm)
        return True

    cr.xml_parse_primary(str(primary), pkgcb=done, warningcb=None, do_files=True)
    return by_srpm


def _build_for(
    ops: SimOps, entry: dict[str, Any], binaries: list[Rpm], owner_id: int, event: int
) -> Build:
    """The snapshot's build of one source: an existing build of that NVR, or a new one."""
    nvr = f"{entry['name']}-{entry['version']}-{entry['release']}"
    existing = ops.state.get_build(nvr)
    if existing is not None:
        return existing
    epoch: Any = entry.get("epoch")
    build = dirload.make_build(
        ops.state,
        str(entry["name"]),
        str(entry["version"]),
        str(entry["release"]),
        int(epoch) if epoch not in (None, "", 0, "0") else None,
        owner_id,
        event,
    )
    dirload.add_srpm(ops.state, build, [str(d) for d in entry.get("build_requires") or []])
    dirload.attach(ops.state, build, binaries)
    return build


def _wanted(sources: dict[str, Any], by_srpm: dict[str, list[Rpm]]) -> dict[str, dict[str, Any]]:
    """The snapshot's source entries by name, plus entries for binaries without one."""
    wanted = {str(e["name"]): dict(e) for e in sources.get("packages") or []}
    for srpm in by_srpm:
        data = parse_nvr(srpm.removesuffix(".src.rpm"))
        if data["name"] not in wanted:
            wanted[data["name"]] = {**data, "epoch": by_srpm[srpm][0].epoch}
    return wanted


def _tag(ops: SimOps, tag: Tag, build: Build, owner_id: int, event: int) -> None:
    """Tag a build, listing (or unblocking) its package first."""
    state = ops.state
    listing = history.package_list(state, tag.id, inherit=True, package_id=build.package_id)
    entry = listing.get(build.package_id)
    if not entry or entry[0].blocked:
        history.set_package_listing(state, tag.id, build.package_id, event, owner_id)
    history.tag_build(state, tag.id, build, event, owner_id, force=True)


def _retire(ops: SimOps, tag: Tag, build: Build, owner_id: int, event: int) -> None:
    """Untag every build of a package from the tag and block it, as Fedora retires one."""
    state = ops.state
    for _entry, tagged in history.tagged_builds(state, tag.id, package=build.name):
        history.untag_build(state, tag.id, tagged, event, owner_id, strict=False)
    history.set_package_listing(state, tag.id, build.package_id, event, owner_id, blocked=True)


def _sync_group(
    ops: SimOps, build_tag_id: int, group: str, names: list[str], event: int
) -> tuple[list[str], list[str]]:
    """Make the build tag's comps group hold exactly ``names``; returns (added, removed)."""
    state = ops.state
    current: set[str] = set()
    for info in history.read_tag_groups(state, build_tag_id):
        if info["name"] == group:
            current = {p["package"] for p in info["packagelist"]}
    added = sorted(set(names) - current)
    removed = sorted(current - set(names))
    for name in added:
        history.set_group_package(state, build_tag_id, group, name, event)
    for name in removed:
        history.set_group_package(state, build_tag_id, group, name, event, blocked=True)
    return added, removed


def _tag_changed(
    ops: SimOps,
    tag: Tag,
    wanted: dict[str, dict[str, Any]],
    by_srpm: dict[str, list[Rpm]],
    current: dict[str, Build],
    build_tag_id: int,
) -> list[str]:
    """Tag the snapshot's build of every source whose NVR changed; returns their NVRs."""
    state = ops.state
    owner_id = state.need_user("releng").id
    event = state.new_event().id
    target_name, _ = _target_of(ops, tag)
    repo = ops.repos.latest_ready(build_tag_id)
    channel = state.need_channel("default")
    tagged: list[str] = []
    for name, entry in sorted(wanted.items()):
        nvr = f"{name}-{entry['version']}-{entry['release']}"
        if name in current and current[name].nvr == nvr:
            continue
        build = _build_for(ops, entry, by_srpm.get(f"{nvr}.src.rpm", []), owner_id, event)
        if build.task_id is None and repo is not None:
            # like a real build: a CLOSED task tree whose buildArch children name the repo
            ops.engine.import_task(build, target_name, build_tag_id, repo, channel.id)
        _tag(ops, tag, build, owner_id, event)
        tagged.append(build.nvr)
    return tagged


def apply_snapshot(ops: SimOps, path: Path, group: str = "build") -> tuple[SnapshotChanges, int]:
    """Tag, retire and regroup as the snapshot says; returns the changes and the build tag id.

    The caller holds the state lock; the new repo is made afterwards, without it.
    """
    state = ops.state
    sources = dirload.read_sources(path)
    base = BaseRepodata.load(path / "repodata")
    tag = state.need_tag(sources["tag"]) if sources.get("tag") else ops.default_tag()
    _, build_tag_id = _target_of(ops, tag)
    current = {b.name: b for _e, b in history.tagged_builds(state, tag.id, latest=True)}
    srpms = {f"{b.nvr}.src.rpm" for b in current.values()}
    by_srpm = _new_binaries(ops, base.locations["primary"], srpms)
    wanted = _wanted(sources, by_srpm)
    changes = SnapshotChanges()
    changes.tagged = _tag_changed(ops, tag, wanted, by_srpm, current, build_tag_id)
    owner_id = state.need_user("releng").id
    event = state.new_event().id
    for name, build in sorted(current.items()):
        if name not in wanted:
            _retire(ops, tag, build, owner_id, event)
            changes.retired.append(build.nvr)
    if "build_group" in sources:
        names = [str(n) for n in sources.get("build_group") or []]
        changes.group_added, changes.group_removed = _sync_group(
            ops, build_tag_id, group, names, event
        )
    return changes, build_tag_id


def load_snapshot(ops: SimOps, path: Path, wait: bool = True) -> SnapshotChanges:
    """Apply a snapshot and make the build tag's next repo (waiting for it with ``wait``)."""
    if not path.is_dir():
        raise koji.GenericError(f"not a directory: {path}")
    with ops.state.lock:
        changes, build_tag_id = apply_snapshot(ops, path)
        changes.repo = ops.engine.new_repo(build_tag_id)
    if wait:
        ops.repos.wait_for(changes.repo)
    log.info(
        "snapshot %s: %d builds tagged, %d retired, repo %s",
        path,
        len(changes.tagged),
        len(changes.retired),
        changes.repo.id,
    )
    return changes
