"""Loading a scenario (YAML or JSON) into the simulator's state.

See kojisim/README.md for the format.  The loader creates users, channels, hosts, tags with
inheritance, comps groups and package lists, targets, and the builds of every source package
(older ``history`` versions first, each tagged at its own event).  Build tasks for those
builds are made later, once the first repos exist, so that their buildArch requests can name
a real repo.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kojisim.core import history
from kojisim.core.model import Build, Channel, Host, InheritLink, Tag, Target, User
from kojisim.core.state import SimState
from kojisim.core.util import split_arches
from kojisim.engine import builders
from kojisim.engine.outcomes import EngineConfig, Rule

DEFAULT_USERS: list[dict[str, Any]] = [
    {"name": "kojiadmin", "password": "kojiadmin", "perms": ["admin"]},
    {"name": "kojira", "password": None, "perms": ["repo"]},
    {"name": "koschei", "password": "koschei", "perms": []},
    {"name": "releng", "password": "releng", "perms": ["tag"]},
]


@dataclass
class Scenario:
    """Settings a scenario gives the engine and the repo manager."""

    name: str
    engine: EngineConfig
    timeline: list[dict[str, Any]] = field(default_factory=list)
    keep_repos: int = 3
    regen_delay: float = 30.0
    start: float | None = None
    repo_dir: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)


def read_file(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON scenario file."""
    text = path.read_text()
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario must be a mapping")
    return data


#: the scenario's times in seconds: its defaults, each rule's duration, each event's time
_DEFAULT_TIMES = ("build_duration", "srpm_duration", "assign_delay", "regen_delay")


def compressed(data: dict[str, Any], factor: float) -> dict[str, Any]:
    """``data`` with every duration, delay and timeline time divided by ``factor``.

    The scenario then plays ``factor`` times faster while the clock keeps the wall time,
    so the times Koji reports are real ones (a sped-up clock puts them in the future).
    """
    if factor <= 0:
        raise ValueError(f"compression must be positive, not {factor}")
    defaults = dict(data.get("defaults") or {})
    for key in _DEFAULT_TIMES:
        if key in defaults:
            defaults[key] = float(defaults[key]) / factor
    # unset defaults are parse_settings' own: scale them too
    defaults.setdefault("build_duration", 60.0 / factor)
    defaults.setdefault("srpm_duration", 10.0 / factor)
    defaults.setdefault("assign_delay", 1.0 / factor)
    defaults.setdefault("regen_delay", 30.0 / factor)
    rules = [
        {**rule, "duration": float(rule["duration"]) / factor}
        if rule.get("duration") is not None
        else rule
        for rule in data.get("rules") or []
    ]
    timeline = [
        {**event, "at": float(event.get("at", 0)) / factor} for event in data.get("timeline") or []
    ]
    return {**data, "defaults": defaults, "rules": rules, "timeline": timeline}


def parse_settings(data: dict[str, Any], base_dir: Path, seed: int | None = None) -> Scenario:
    """The non-state parts of a scenario: engine rules, timeline, repo settings."""
    defaults = data.get("defaults") or {}
    engine = EngineConfig(
        build_duration=float(defaults.get("build_duration", 60)),
        srpm_duration=float(defaults.get("srpm_duration", 10)),
        assign_delay=float(defaults.get("assign_delay", 1)),
        seed=int(seed if seed is not None else data.get("seed", 0)),
        ignore_weak_deps=bool(defaults.get("ignore_weak_deps", True)),
        rules=[Rule.from_dict(rule) for rule in data.get("rules") or []],
    )
    start = data.get("start")
    if isinstance(start, str):
        start_dt = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
        start = start_dt.timestamp()
    elif isinstance(start, datetime.datetime):
        start = start.timestamp()
    repo_dir = data.get("repo_dir")
    return Scenario(
        name=str(data.get("name", "scenario")),
        engine=engine,
        timeline=sorted(data.get("timeline") or [], key=lambda e: float(e.get("at", 0))),
        keep_repos=int(defaults.get("keep_repos", 3)),
        regen_delay=float(defaults.get("regen_delay", 30)),
        start=start,
        repo_dir=(base_dir / repo_dir) if repo_dir else None,
        data=data,
    )


class Loader:
    """Fills a SimState from scenario data."""

    def __init__(self, state: SimState, data: dict[str, Any]) -> None:
        self.state = state
        self.data = data
        self.defaults = data.get("defaults") or {}
        self.imports: list[Build] = []

    def load(self) -> list[Build]:
        """Create everything; returns the builds that need an imported build task."""
        config_event = self.state.new_event().id
        self._users()
        self._channels()
        self._hosts()
        self._tags(config_event)
        self._targets()
        self._packages()
        return self.imports

    def _users(self) -> None:
        declared = {u["name"]: u for u in self.data.get("users") or []}
        for spec in [*(u for u in DEFAULT_USERS if u["name"] not in declared), *declared.values()]:
            user = User(self.state.next_id("user"), str(spec["name"]), spec.get("password"))
            user.perms = set(spec.get("perms") or [])
            user.krb_principals = [str(p) for p in spec.get("krb_principals") or []]
            self.state.register("user", user)

    def _channels(self) -> None:
        names = list(self.data.get("channels") or ["default", "createrepo"])
        for host in self.data.get("hosts") or []:
            names += [c for c in host.get("channels") or [] if c not in names]
        for name in dict.fromkeys(["default", "createrepo", *names]):
            self.state.register("channel", Channel(self.state.next_id("channel"), name))

    def _hosts(self) -> None:
        hosts = self.data.get("hosts") or [
            {"name": "builder-01", "arches": ["x86_64", "i386", "noarch"]}
        ]
        for spec in hosts:
            user = User(self.state.next_id("user"), str(spec["name"]), None, usertype=1)
            self.state.register("user", user)
            channels = spec.get("channels") or ["default", "createrepo"]
            load = float(spec.get("task_load", 0.0))
            host = Host(
                id=self.state.next_id("host"),
                user_id=user.id,
                name=str(spec["name"]),
                arches=" ".join(split_arches(spec.get("arches") or ["x86_64"])),
                capacity=float(spec.get("capacity", 2.0)),
                task_load=load,
                base_load=load,
                ready=bool(spec.get("ready", True)),
                enabled=bool(spec.get("enabled", True)),
                description=spec.get("description"),
                comment=spec.get("comment"),
                channels=[self.state.get_channel(c, strict=True).id for c in channels],  # type: ignore[union-attr]
            )
            self.state.register("host", host)

    def _tags(self, event: int) -> None:
        specs = self.data.get("tags") or []
        for spec in specs:
            arches = spec.get("arches")
            tag = Tag(
                id=self.state.next_id("tag"),
                name=str(spec["name"]),
                arches=" ".join(split_arches(arches)) if arches else None,
                create_event=event,
                extra=dict(spec.get("extra") or {}),
                locked=bool(spec.get("locked", False)),
            )
            self.state.register("tag", tag)
        for spec in specs:
            tag = self.state.need_tag(spec["name"])
            for priority, parent in enumerate(spec.get("parents") or []):
                tag.parents.append(self._link(parent, priority * 10))
            self._groups(tag, spec.get("groups") or {}, event)
            self._package_entries(tag, spec, event)

    def _link(self, parent: str | dict[str, Any], priority: int) -> InheritLink:
        if isinstance(parent, str):
            parent = {"name": parent}
        tag = self.state.need_tag(parent["name"])
        return InheritLink(
            parent_id=tag.id,
            priority=int(parent.get("priority", priority)),
            maxdepth=parent.get("maxdepth"),
            intransitive=bool(parent.get("intransitive", False)),
            noconfig=bool(parent.get("noconfig", False)),
            pkg_filter=str(parent.get("pkg_filter", "")),
        )

    def _groups(self, tag: Tag, groups: dict[str, Any] | list[Any], event: int) -> None:
        items = groups.items() if isinstance(groups, dict) else [(g["name"], g) for g in groups]
        for name, spec in items:
            if isinstance(spec, list):
                spec = {"packages": spec}
            opts = {
                k: spec[k]
                for k in ("display_name", "description", "is_default", "uservisible")
                if k in spec
            }
            history.set_group(
                self.state, tag.id, name, event, bool(spec.get("blocked", False)), **opts
            )
            for package in spec.get("packages") or []:
                if isinstance(package, str):
                    package = {"name": package}
                history.set_group_package(
                    self.state,
                    tag.id,
                    name,
                    package["name"],
                    event,
                    blocked=bool(package.get("blocked", False)),
                    type=str(package.get("type", "mandatory")),
                )

    def _package_entries(self, tag: Tag, spec: dict[str, Any], event: int) -> None:
        owner = self._owner(self.defaults.get("owner"))
        for item in spec.get("packages") or []:
            item = {"name": item} if isinstance(item, str) else item
            package = builders.ensure_package(self.state, str(item["name"]))
            history.set_package_listing(
                self.state,
                tag.id,
                package.id,
                event,
                self._owner(item.get("owner")) or owner,
                blocked=bool(item.get("blocked", False)),
            )
        for name in spec.get("blocked") or []:
            package = builders.ensure_package(self.state, str(name))
            history.set_package_listing(self.state, tag.id, package.id, event, owner, blocked=True)

    def _targets(self) -> None:
        for spec in self.data.get("targets") or []:
            build_tag = self.state.need_tag(spec["build_tag"])
            dest_tag = self.state.need_tag(spec["dest_tag"])
            target = Target(
                self.state.next_id("target"), str(spec["name"]), build_tag.id, dest_tag.id
            )
            self.state.register("target", target)

    def _owner(self, name: str | None) -> int:
        user = self.state.get_user(name or self.defaults.get("owner") or "releng")
        if user is None:
            user = self.state.register("user", User(self.state.next_id("user"), str(name)))
        return user.id

    def default_tag(self) -> str | None:
        if self.defaults.get("tag"):
            return str(self.defaults["tag"])
        for target in self.state.targets.values():
            return self.state.tags[target.dest_tag_id].name
        return None

    def _packages(self) -> None:
        for spec in self.data.get("packages") or []:
            current = builders.source_spec(spec)
            versions = [builders.source_spec(h, base=current) for h in spec.get("history") or []]
            tag = self.state.need_tag(spec.get("tag") or self.default_tag())
            owner = self._owner(spec.get("owner"))
            for version in [*versions, current]:
                self._add_build(version, tag, owner, tagged=not spec.get("untagged", False))

    def _add_build(self, spec: builders.SourceSpec, tag: Tag, owner: int, tagged: bool) -> Build:
        state = self.state
        event = state.new_event().id
        build = builders.new_build(state, spec, owner, event)
        srpm = builders.add_srpm(state, build, spec)
        arches = builders.arch_list(self._build_arches(tag), srpm)
        builders.add_binaries(state, build, spec, arches)
        listing = history.package_list(state, tag.id, inherit=True, package_id=build.package_id)
        if build.package_id not in listing:
            history.set_package_listing(state, tag.id, build.package_id, event, owner)
        if tagged:
            history.tag_build(state, tag.id, build, event, owner)
        self.imports.append(build)
        return build

    def _build_arches(self, tag: Tag) -> list[str]:
        """Arches builds for a tag are made for: those of a target's build tag, else the tag's."""
        for target in self.state.targets.values():
            if target.dest_tag_id == tag.id:
                return history.tag_arches(self.state, target.build_tag_id) or ["x86_64"]
        return history.tag_arches(self.state, tag.id) or ["x86_64"]
