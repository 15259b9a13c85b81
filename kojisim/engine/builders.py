"""Creating builds with their source and binary RPMs from package specifications.

Shared by the scenario loader, the directory loader, ``sim.newBuild`` and the build engine.
A ``SourceSpec`` describes one source package (BuildRequires, BuildArch/ExclusiveArch/
ExcludeArch, binary packages with their dependencies); ``{version}``, ``{release}`` and
``{evr}`` in dependency strings expand to the build's own values.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

from kojisim.core.model import BUILD_COMPLETE, Build, Package, Rpm
from kojisim.core.rpmdeps import (
    DEP_KINDS,
    RPMSENSE_EQUAL,
    RPMSENSE_LESS,
    RPMSENSE_RPMLIB,
    Dep,
    join_evr,
    parse_deps,
)
from kojisim.core.state import SimState
from kojisim.core.util import canon_arch, split_arches

#: every real SRPM carries these; Koschei must filter them out of BuildRequires
RPMLIB_DEPS = (
    Dep("rpmlib(CompressedFileNames)", RPMSENSE_RPMLIB | RPMSENSE_LESS | RPMSENSE_EQUAL, "3.0.4-1"),
    Dep("rpmlib(FileDigests)", RPMSENSE_RPMLIB | RPMSENSE_LESS | RPMSENSE_EQUAL, "4.6.0-1"),
)


@dataclass
class BinarySpec:
    name: str
    arch: str | None = None
    deps: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    summary: str = ""


@dataclass
class SourceSpec:
    name: str
    version: str
    release: str
    epoch: int | None = None
    build_requires: list[str] = field(default_factory=list)
    buildarchs: list[str] = field(default_factory=list)
    exclusivearch: list[str] = field(default_factory=list)
    excludearch: list[str] = field(default_factory=list)
    binaries: list[BinarySpec] = field(default_factory=list)
    owner: str | None = None

    @property
    def nvr(self) -> str:
        return f"{self.name}-{self.version}-{self.release}"

    def evolve(self, **changes: Any) -> SourceSpec:
        """A copy with some fields replaced (used for new versions of a package)."""
        return dataclasses.replace(self, **changes)


def binary_spec(data: str | dict[str, Any]) -> BinarySpec:
    """A binary package spec from a YAML item (a bare name or a mapping)."""
    if isinstance(data, str):
        return BinarySpec(name=data)
    deps = {kind: [str(d) for d in data.get(kind) or []] for kind in DEP_KINDS}
    return BinarySpec(
        name=str(data["name"]),
        arch=data.get("arch"),
        deps=deps,
        files=[str(f) for f in data.get("files") or []],
        summary=str(data.get("summary", "")),
    )


def source_spec(data: dict[str, Any], base: SourceSpec | None = None) -> SourceSpec:
    """A source package spec from a YAML mapping; ``base`` supplies defaults (history)."""

    def pick(key: str, *aliases: str) -> Any:
        for k in (key, *aliases):
            if k in data:
                return data[k]
        return getattr(base, key) if base is not None else None

    name = str(pick("name"))
    binaries = data.get("binaries")
    return SourceSpec(
        name=name,
        version=str(pick("version")),
        release=str(pick("release") or "1"),
        epoch=pick("epoch"),
        build_requires=[str(d) for d in pick("build_requires", "buildrequires") or []],
        buildarchs=split_arches(pick("buildarchs", "buildarch", "build_arch")),
        exclusivearch=split_arches(pick("exclusivearch", "exclusive_arch")),
        excludearch=split_arches(pick("excludearch", "exclude_arch")),
        binaries=[binary_spec(b) for b in binaries]
        if binaries is not None
        else (list(base.binaries) if base else [BinarySpec(name=name)]),
        owner=pick("owner"),
    )


def arch_list(tag_arches: list[str], srpm: Rpm, override: str | None = None) -> list[str]:
    """Koji's getArchList: tag arches adjusted by the SRPM's BuildArch/ExclusiveArch/ExcludeArch."""
    tag_canon = {canon_arch(a) for a in tag_arches}
    archlist = list(tag_arches)
    if srpm.buildarchs:
        archlist = list(srpm.buildarchs)
    if srpm.exclusivearch:
        archlist = [a for a in archlist if a in srpm.exclusivearch]
    if srpm.excludearch:
        archlist = [a for a in archlist if a not in srpm.excludearch]
    if "noarch" not in srpm.excludearch and (
        "noarch" in srpm.buildarchs or "noarch" in srpm.exclusivearch
    ):
        archlist.append("noarch")
    if override:
        archlist = override.split()
    out: list[str] = []
    for arch in archlist:
        if (arch == "noarch" or canon_arch(arch) in tag_canon) and arch not in out:
            out.append(arch)
    return out


def ensure_package(state: SimState, name: str) -> Package:
    package = state.get_package(name)
    if package is None:
        package = state.register("package", Package(state.next_id("package"), name))
    return package


def new_build(
    state: SimState,
    spec: SourceSpec,
    owner_id: int,
    event: int,
    build_state: int = BUILD_COMPLETE,
    task_id: int | None = None,
) -> Build:
    """Create a build record for a source spec (no rpms yet)."""
    package = ensure_package(state, spec.name)
    now = state.clock.now()
    build = Build(
        id=state.next_id("build"),
        package_id=package.id,
        name=spec.name,
        version=spec.version,
        release=spec.release,
        epoch=spec.epoch,
        state=build_state,
        owner_id=owner_id,
        create_event=event,
        creation_ts=now,
        task_id=task_id,
        start_ts=now,
        completion_ts=now if build_state == BUILD_COMPLETE else None,
    )
    state.add_build(build)
    state.specs[build.id] = spec
    state.package_specs[package.id] = spec
    return build


def _hashes(text: str) -> tuple[str, str]:
    return hashlib.sha256(text.encode()).hexdigest(), hashlib.md5(
        text.encode(), usedforsecurity=False
    ).hexdigest()


def add_srpm(state: SimState, build: Build, spec: SourceSpec) -> Rpm:
    """The build's source RPM, carrying BuildRequires and the arch headers."""
    subst = _substitutions(spec)
    pkgid, payload = _hashes(f"{build.nvr}.src#{build.id}")
    rpm = Rpm(
        id=state.next_id("rpm"),
        build_id=build.id,
        name=build.name,
        version=build.version,
        release=build.release,
        epoch=build.epoch,
        arch="src",
        requires=parse_deps([d.format(**subst) for d in spec.build_requires]) + RPMLIB_DEPS,
        buildarchs=tuple(spec.buildarchs),
        exclusivearch=tuple(spec.exclusivearch),
        excludearch=tuple(spec.excludearch),
        summary=f"{build.name} source package",
        buildtime=int(build.creation_ts),
        pkgid=pkgid,
        payloadhash=payload,
    )
    return state.add_rpm(rpm)


def add_binaries(state: SimState, build: Build, spec: SourceSpec, arches: list[str]) -> list[Rpm]:
    """Binary RPMs of a build for the given build arches (noarch binaries once)."""
    out: list[Rpm] = []
    subst = _substitutions(spec)
    archful = [a for a in arches if a != "noarch"]
    for binary in spec.binaries:
        if binary.arch == "noarch" or (binary.arch is None and not archful):
            targets = ["noarch"]
        else:
            targets = [binary.arch] if binary.arch in archful else ([] if binary.arch else archful)
        for arch in targets:
            out.append(state.add_rpm(_binary_rpm(state, build, binary, arch, subst)))
    return out


def _binary_rpm(
    state: SimState, build: Build, binary: BinarySpec, arch: str, subst: dict[str, str]
) -> Rpm:
    evr = join_evr(build.epoch, build.version, build.release)
    deps = {
        kind: parse_deps([d.format(**subst) for d in binary.deps.get(kind, [])])
        for kind in DEP_KINDS
    }
    provides = (Dep(binary.name, RPMSENSE_EQUAL, evr), *deps["provides"])
    pkgid, payload = _hashes(f"{binary.name}-{build.version}-{build.release}.{arch}#{build.id}")
    return Rpm(
        id=state.next_id("rpm"),
        build_id=build.id,
        name=binary.name,
        version=build.version,
        release=build.release,
        epoch=build.epoch,
        arch=arch,
        provides=provides,
        requires=deps["requires"],
        recommends=deps["recommends"],
        suggests=deps["suggests"],
        supplements=deps["supplements"],
        enhances=deps["enhances"],
        obsoletes=deps["obsoletes"],
        conflicts=deps["conflicts"],
        files=tuple(binary.files),
        summary=binary.summary or f"The {binary.name} package",
        buildtime=int(build.creation_ts),
        pkgid=pkgid,
        payloadhash=payload,
        sourcerpm=f"{build.nvr}.src.rpm",
    )


def _substitutions(spec: SourceSpec) -> dict[str, str]:
    return {
        "name": spec.name,
        "version": spec.version,
        "release": spec.release,
        "evr": join_evr(spec.epoch, spec.version, spec.release),
    }


def srpm_of(state: SimState, build: Build) -> Rpm | None:
    for rpm_id in build.rpm_ids:
        rpm = state.rpms[rpm_id]
        if rpm.arch == "src":
            return rpm
    return None


def srpm_path(build: Build) -> str:
    """SRPM location relative to Koji's work directory, as Koschei submits it."""
    return f"../packages/{build.name}/{build.version}/{build.release}/src/{build.nvr}.src.rpm"


def planned_binaries(spec: SourceSpec, arch: str) -> list[tuple[str, str]]:
    """(name, arch) of the binary RPMs a buildArch task for ``arch`` produces."""
    if arch == "noarch":
        return [(b.name, "noarch") for b in spec.binaries if b.arch in (None, "noarch")]
    return [
        (b.name, "noarch" if b.arch == "noarch" else arch)
        for b in spec.binaries
        if b.arch in (None, "noarch", arch)
    ]
