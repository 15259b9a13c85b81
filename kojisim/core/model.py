"""The simulator's records: users, tags, builds, rpms, tasks, repos, hosts and history rows.

Plain dataclasses; the hub modules turn them into Koji's dict shapes.  History rows carry
``create_event``/``revoke_event`` exactly like Koji's versioned tables, so that ``event=``
queries can be answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kojisim.core.rpmdeps import Dep

# Koji enumerations (koji.TASK_STATES, koji.BUILD_STATES, koji.REPO_STATES, koji.BR_STATES)
TASK_FREE, TASK_OPEN, TASK_CLOSED, TASK_CANCELED, TASK_ASSIGNED, TASK_FAILED = range(6)
TASK_FINISHED = (TASK_CLOSED, TASK_CANCELED, TASK_FAILED)
BUILD_BUILDING, BUILD_COMPLETE, BUILD_DELETED, BUILD_FAILED, BUILD_CANCELED = range(5)
REPO_INIT, REPO_READY, REPO_EXPIRED, REPO_DELETED, REPO_PROBLEM = range(5)
BR_INIT, BR_WAITING, BR_BUILDING, BR_EXPIRED = range(4)


@dataclass(slots=True)
class Versioned:
    """A row of a versioned table: active from create_event until revoke_event."""

    create_event: int
    revoke_event: int | None = None

    def active_at(self, event: int | None) -> bool:
        if event is None:
            return self.revoke_event is None
        return self.create_event <= event and (
            self.revoke_event is None or event < self.revoke_event
        )


@dataclass(slots=True)
class Event:
    id: int
    ts: float


@dataclass(slots=True)
class User:
    id: int
    name: str
    password: str | None = None
    status: int = 0
    usertype: int = 0
    perms: set[str] = field(default_factory=set)
    krb_principals: list[str] = field(default_factory=list)


@dataclass(slots=True)
class InheritLink:
    parent_id: int
    priority: int
    maxdepth: int | None = None
    intransitive: bool = False
    noconfig: bool = False
    pkg_filter: str = ""


@dataclass(slots=True)
class Tag:
    id: int
    name: str
    arches: str | None
    create_event: int
    extra: dict[str, Any] = field(default_factory=dict)
    parents: list[InheritLink] = field(default_factory=list)
    locked: bool = False
    perm_id: int | None = None


@dataclass(slots=True)
class ExternalRepo:
    """A yum repo outside Koji that tags may merge into their repos (``createExternalRepo``)."""

    id: int
    name: str
    url: str


@dataclass(slots=True)
class TagExternalRepo:
    """An external repo added to a tag (``addExternalRepoToTag``); current state only."""

    external_repo_id: int
    priority: int
    merge_mode: str = "koji"
    arches: str | None = None


@dataclass(slots=True)
class Target:
    id: int
    name: str
    build_tag_id: int
    dest_tag_id: int


@dataclass(slots=True)
class Channel:
    id: int
    name: str
    description: str | None = None
    enabled: bool = True
    comment: str | None = None


@dataclass(slots=True)
class Host:
    id: int
    user_id: int
    name: str
    arches: str
    capacity: float = 2.0
    task_load: float = 0.0
    ready: bool = True
    enabled: bool = True
    description: str | None = None
    comment: str | None = None
    channels: list[int] = field(default_factory=list)
    #: load the scenario declares on top of the simulator's own tasks
    base_load: float = 0.0


@dataclass(slots=True)
class Package:
    id: int
    name: str


@dataclass(slots=True)
class Rpm:
    """A source or binary RPM with the header data the simulator serves."""

    id: int
    build_id: int
    name: str
    version: str
    release: str
    epoch: int | None
    arch: str
    provides: tuple[Dep, ...] = ()
    requires: tuple[Dep, ...] = ()
    recommends: tuple[Dep, ...] = ()
    suggests: tuple[Dep, ...] = ()
    supplements: tuple[Dep, ...] = ()
    enhances: tuple[Dep, ...] = ()
    obsoletes: tuple[Dep, ...] = ()
    conflicts: tuple[Dep, ...] = ()
    files: tuple[str, ...] = ()
    buildarchs: tuple[str, ...] = ()
    exclusivearch: tuple[str, ...] = ()
    excludearch: tuple[str, ...] = ()
    summary: str = ""
    size: int = 1024
    buildtime: int = 0
    payloadhash: str = ""
    pkgid: str = ""
    sourcerpm: str | None = None
    #: "synth" rpms are written by the simulator; "base" ones come from loaded repodata
    origin: str = "synth"
    buildroot_id: int | None = None

    @property
    def nvr(self) -> str:
        return f"{self.name}-{self.version}-{self.release}"

    @property
    def nvra(self) -> str:
        return f"{self.nvr}.{self.arch}"


@dataclass(slots=True)
class Build:
    id: int
    package_id: int
    name: str
    version: str
    release: str
    epoch: int | None
    state: int
    owner_id: int
    create_event: int
    creation_ts: float
    task_id: int | None = None
    start_ts: float | None = None
    completion_ts: float | None = None
    source: str | None = None
    extra: dict[str, Any] | None = None
    rpm_ids: list[int] = field(default_factory=list)

    @property
    def nvr(self) -> str:
        return f"{self.name}-{self.version}-{self.release}"


@dataclass(slots=True)
class Task:
    id: int
    method: str
    request: list[Any]
    owner_id: int
    create_ts: float
    channel_id: int
    arch: str = "noarch"
    priority: int = 20
    parent: int | None = None
    label: str | None = None
    state: int = TASK_FREE
    host_id: int | None = None
    start_ts: float | None = None
    completion_ts: float | None = None
    waiting: bool | None = None
    awaited: bool | None = None
    weight: float = 1.0
    result: Any = None
    #: (faultCode, faultString) of a failed task
    fault: tuple[int, str] | None = None
    #: simulator bookkeeping: plan of the build engine for this task
    plan: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Repo:
    id: int
    tag_id: int
    state: int
    create_event: int
    task_id: int | None = None
    dist: bool = False
    arches: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Buildroot:
    id: int
    task_id: int
    host_id: int
    repo_id: int
    arch: str
    create_event: int
    state: int = BR_INIT
    retire_event: int | None = None
    installed: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Session:
    id: int
    key: str
    user_id: int
    authtype: int
    callnum: int | None = None
    expired: bool = False
    closed: bool = False
    start_ts: float = 0.0


@dataclass(slots=True)
class TagListing(Versioned):
    tag_id: int = 0
    build_id: int = 0
    seq: int = 0


@dataclass(slots=True)
class PackageListing(Versioned):
    tag_id: int = 0
    package_id: int = 0
    owner_id: int = 0
    blocked: bool = False
    extra_arches: str | None = None


@dataclass(slots=True)
class GroupConfig(Versioned):
    tag_id: int = 0
    group_id: int = 0
    name: str = ""
    blocked: bool = False
    display_name: str = ""
    description: str | None = None
    is_default: bool | None = None
    uservisible: bool = True
    exported: bool = True
    langonly: str | None = None
    biarchonly: bool = False


@dataclass(slots=True)
class GroupPackage(Versioned):
    tag_id: int = 0
    group_id: int = 0
    package: str = ""
    blocked: bool = False
    type: str = "mandatory"
    basearchonly: bool | None = None
    requires: str | None = None


@dataclass(slots=True)
class GroupReq(Versioned):
    tag_id: int = 0
    group_id: int = 0
    req_id: int = 0
    name: str = ""
    blocked: bool = False
    type: str = "mandatory"
    is_metapkg: bool = False
