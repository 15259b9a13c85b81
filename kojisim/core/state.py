"""The simulator's in-memory database: registries, id sequences, events and Koji-style lookups.

All access happens under ``SimState.lock`` (a re-entrant lock); the HTTP threads, the engine
ticker and the repo worker share one state.  Lookups follow Koji's conventions: they take an
id, a name (or NVR/NVRA) or a dict, return None for unknown objects and raise
``koji.GenericError`` when ``strict`` is true.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import koji

from kojisim.core.clock import SimClock
from kojisim.core.model import (
    Build,
    Buildroot,
    Channel,
    Event,
    ExternalRepo,
    GroupConfig,
    GroupPackage,
    GroupReq,
    Host,
    Package,
    PackageListing,
    Repo,
    Rpm,
    Session,
    Tag,
    TagExternalRepo,
    TagListing,
    Target,
    Task,
    User,
)
from kojisim.core.util import parse_nvr, parse_nvra

Listener = Callable[[str, dict[str, Any]], None]


#: first ids, in Koji's spirit (tasks and events have larger numbers than builds)
_FIRST_IDS = {
    "event": 1000,
    "user": 1,
    "tag": 1,
    "target": 1,
    "channel": 1,
    "host": 1,
    "package": 1,
    "build": 1,
    "rpm": 1,
    "task": 10000,
    "repo": 100,
    "external_repo": 1,
    "buildroot": 1,
    "session": 1,
    "group": 1,
    "listing": 1,
}


def _sequences() -> dict[str, itertools.count[int]]:
    return {kind: itertools.count(first) for kind, first in _FIRST_IDS.items()}


class SimState:
    """Everything the hub knows, plus the simulated clock."""

    def __init__(self, clock: SimClock) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self._seq = _sequences()
        self.events: list[Event] = []
        self.users: dict[int, User] = {}
        self.tags: dict[int, Tag] = {}
        self.targets: dict[int, Target] = {}
        self.channels: dict[int, Channel] = {}
        self.hosts: dict[int, Host] = {}
        self.packages: dict[int, Package] = {}
        self.builds: dict[int, Build] = {}
        self.rpms: dict[int, Rpm] = {}
        self.tasks: dict[int, Task] = {}
        self.active_tasks: set[int] = set()
        self.task_children: dict[int, list[int]] = {}
        self.repos: dict[int, Repo] = {}
        self.external_repos: dict[int, ExternalRepo] = {}
        self.tag_external_repos: dict[int, list[TagExternalRepo]] = defaultdict(list)
        self.buildroots: dict[int, Buildroot] = {}
        self.sessions: dict[int, Session] = {}
        self.group_names: dict[int, str] = {}
        self._by_name: dict[str, dict[str, int]] = defaultdict(dict)
        self.builds_by_nvr: dict[str, int] = {}
        self.rpms_by_nvra: dict[str, int] = {}
        self.tag_listing: dict[int, list[TagListing]] = defaultdict(list)
        self.tag_listing_pkg: dict[int, dict[int, list[TagListing]]] = defaultdict(dict)
        self.package_listing: dict[int, dict[int, list[PackageListing]]] = defaultdict(dict)
        self.group_config: dict[int, dict[int, list[GroupConfig]]] = defaultdict(dict)
        self.group_packages: dict[tuple[int, int], dict[str, list[GroupPackage]]] = defaultdict(
            dict
        )
        self.group_reqs: dict[tuple[int, int], dict[int, list[GroupReq]]] = defaultdict(dict)
        self.listeners: list[Listener] = []
        #: source specs (builders.SourceSpec) per build id and the latest one per package id
        self.specs: dict[int, Any] = {}
        self.package_specs: dict[int, Any] = {}

    # -- ids, events, notifications -------------------------------------------------------

    def next_id(self, kind: str) -> int:
        return next(self._seq[kind])

    def new_event(self) -> Event:
        event = Event(self.next_id("event"), self.clock.now())
        self.events.append(event)
        return event

    def last_event(self) -> Event:
        return self.events[-1] if self.events else self.new_event()

    def notify(self, kind: str, **data: Any) -> None:
        """Tell listeners (repo scheduler, message publisher) that something happened."""
        for listener in list(self.listeners):
            listener(kind, data)

    # -- registration ---------------------------------------------------------------------

    def register(self, kind: str, obj: Any) -> Any:
        """Store a named object (user, tag, target, channel, host, package)."""
        table: dict[int, Any] = getattr(self, kind + "s")
        table[obj.id] = obj
        self._by_name[kind][obj.name] = obj.id
        return obj

    def add_build(self, build: Build) -> Build:
        self.builds[build.id] = build
        self.builds_by_nvr[build.nvr] = build.id
        return build

    def add_rpm(self, rpm: Rpm) -> Rpm:
        self.rpms[rpm.id] = rpm
        self.rpms_by_nvra[rpm.nvra] = rpm.id
        self.builds[rpm.build_id].rpm_ids.append(rpm.id)
        return rpm

    def group_id(self, name: str) -> int:
        """The id of a comps group name (created on first use)."""
        for gid, gname in self.group_names.items():
            if gname == name:
                return gid
        gid = self.next_id("group")
        self.group_names[gid] = name
        return gid

    # -- lookups --------------------------------------------------------------------------

    def _lookup(self, kind: str, info: Any) -> Any:
        table: dict[int, Any] = getattr(self, kind + "s")
        if isinstance(info, dict):
            if "id" in info:
                info = info["id"]
            elif "name" in info:
                info = info["name"]
            else:
                raise koji.ParameterError(f"Invalid name or id value: {info}")
        if isinstance(info, bool) or not isinstance(info, int | str):
            raise koji.ParameterError(f"Invalid name or id value: {info}")
        if isinstance(info, int):
            return table.get(info)
        ident = self._by_name[kind].get(info)
        return None if ident is None else table.get(ident)

    def get_tag(self, info: Any, strict: bool = False, event: int | None = None) -> Tag | None:
        tag: Tag | None = self._lookup("tag", info)
        if tag is not None and event is not None and tag.create_event > event:
            tag = None
        if tag is None and strict:
            raise koji.GenericError(f"No such tagInfo: {info!r}")
        return tag

    def get_target(self, info: Any, strict: bool = False) -> Target | None:
        target: Target | None = self._lookup("target", info)
        if target is None and strict:
            raise koji.GenericError(f"No such build target: {info}")
        return target

    def get_channel(self, info: Any, strict: bool = False) -> Channel | None:
        channel: Channel | None = self._lookup("channel", info)
        if channel is None and strict:
            raise koji.GenericError("query returned no rows")
        return channel

    def get_host(self, info: Any, strict: bool = False) -> Host | None:
        host: Host | None = self._lookup("host", info)
        if host is None and strict:
            raise koji.GenericError(f"Invalid hostInfo: {info}")
        return host

    def get_package(self, info: Any, strict: bool = False) -> Package | None:
        package: Package | None = self._lookup("package", info)
        if package is None and strict:
            raise koji.GenericError(f"No such entry in table package: {info}")
        return package

    def get_user(self, info: Any, strict: bool = False) -> User | None:
        user: User | None = None
        if isinstance(info, dict):
            if info.get("id") is not None:
                user = self.users.get(int(info["id"]))
            elif info.get("name"):
                user = self._lookup("user", str(info["name"]))
            elif info.get("krb_principal"):
                user = self._by_principal(str(info["krb_principal"]))
        elif isinstance(info, int) and not isinstance(info, bool):
            user = self.users.get(info)
        elif isinstance(info, str):
            user = self._lookup("user", info) or self._by_principal(info)
        else:
            raise koji.GenericError(f"Invalid type for userInfo: {type(info)}")
        if user is None and strict:
            raise koji.GenericError(f"No such user: {info!r}")
        return user

    def _by_principal(self, principal: str) -> User | None:
        for user in self.users.values():
            if principal in user.krb_principals:
                return user
        return None

    def get_build(self, info: Any, strict: bool = False) -> Build | None:
        build: Build | None = None
        if isinstance(info, int) and not isinstance(info, bool):
            build = self.builds.get(info)
        elif isinstance(info, str):
            data = parse_nvr(info)
            build_id = self.builds_by_nvr.get(f"{data['name']}-{data['version']}-{data['release']}")
            build = None if build_id is None else self.builds.get(build_id)
        elif isinstance(info, dict):
            if not all(k in info for k in ("name", "version", "release")):
                raise koji.GenericError("did not provide name, version, and release")
            build_id = self.builds_by_nvr.get(f"{info['name']}-{info['version']}-{info['release']}")
            build = None if build_id is None else self.builds.get(build_id)
        else:
            raise koji.GenericError(f"Invalid type for argument: {type(info)!r}")
        if build is None and strict:
            raise koji.GenericError(f"No such build: {info!r}")
        return build

    def get_rpm(self, info: Any, strict: bool = False) -> Rpm | None:
        rpm: Rpm | None = None
        if isinstance(info, int) and not isinstance(info, bool):
            rpm = self.rpms.get(info)
        elif isinstance(info, str | dict):
            data = dict(info) if isinstance(info, dict) else parse_nvra(info)
            if "id" in data:
                rpm = self.rpms.get(int(data["id"]))
            elif data.get("location"):
                rpm = None  # external repos are not simulated
            else:
                key = f"{data['name']}-{data['version']}-{data['release']}.{data['arch']}"
                rpm_id = self.rpms_by_nvra.get(key)
                rpm = None if rpm_id is None else self.rpms.get(rpm_id)
        else:
            raise koji.GenericError(f"Invalid type for rpminfo: {type(info)!r}")
        if rpm is None and strict:
            raise koji.GenericError(f"No such rpm: {info!r}")
        return rpm

    def get_task(self, task_id: Any, strict: bool = False) -> Task | None:
        try:
            ident = int(task_id)
        except (TypeError, ValueError) as exc:
            raise koji.ParameterError(
                f"Invalid type for value '{task_id}': {type(task_id)}, expected type <class 'int'>"
            ) from exc
        task = self.tasks.get(ident)
        if task is None and strict:
            raise koji.GenericError("query returned no rows")
        return task

    def get_repo(self, repo_id: Any, strict: bool = False) -> Repo | None:
        repo = self.repos.get(int(repo_id)) if repo_id is not None else None
        if repo is None and strict:
            raise koji.GenericError("query returned no rows")
        return repo

    def event_ts(self, event_id: int) -> float:
        """Timestamp of an event (events are ordered, so bisect by id)."""
        lo, hi = 0, len(self.events) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            if self.events[mid].id < event_id:
                lo = mid + 1
            elif self.events[mid].id > event_id:
                hi = mid - 1
            else:
                return self.events[mid].ts
        raise koji.GenericError(f"No such event: {event_id}")

    # -- strict lookups with non-optional types --------------------------------------------

    def need_tag(self, info: Any, event: int | None = None) -> Tag:
        return self.get_tag(info, strict=True, event=event)  # type: ignore[return-value]

    def need_build(self, info: Any) -> Build:
        return self.get_build(info, strict=True)  # type: ignore[return-value]

    def need_user(self, info: Any) -> User:
        return self.get_user(info, strict=True)  # type: ignore[return-value]

    def need_channel(self, info: Any) -> Channel:
        return self.get_channel(info, strict=True)  # type: ignore[return-value]

    def need_host(self, info: Any) -> Host:
        return self.get_host(info, strict=True)  # type: ignore[return-value]

    def need_package(self, info: Any) -> Package:
        return self.get_package(info, strict=True)  # type: ignore[return-value]

    def need_task(self, task_id: Any) -> Task:
        return self.get_task(task_id, strict=True)  # type: ignore[return-value]
