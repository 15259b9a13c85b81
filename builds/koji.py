"""The project's door to Koji: sessions, typed calls, multicall chunks, fault classes.

One retry layer only: the koji client's own (``max_retries``, ``retry_interval``,
``anon_retry`` and ``offline_retry`` come from ``koji_config.session_opts``, bounded for
operator commands by ``command_session_opts``); nothing here loops over a failing call.
The client logs each failed try on the ``koji`` logger (INFO).  The one non-idempotent
call, ``build``, has a module of its own, :mod:`builds.koji_submission`, the only other
module that calls Koji: when its outcome is unclear it looks for the task it may have
created before anything may submit again.

Lookups return None / [] for unknown objects, as Koji does without ``strict``.  Everything
else a call raises (Koji's faults, HTTP errors, connections, timeouts, failed logins)
leaves this module as :class:`KojiError`, or :class:`KojiUnavailable` when Koji could not
answer: a fault is never taken for an absent object, so nothing wrong is recorded.
"""

from __future__ import annotations

import enum
import functools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, Protocol, TypeAlias, TypeVar
from xmlrpc.client import Fault

import koji
import requests
from django.conf import settings

from koschei_site.errors import ExternalError, one_line

logger = logging.getLogger(__name__)

# koji ships no type information, and ClientSession methods are dynamic XML-RPC proxies.
Session: TypeAlias = Any
TaskInfo = dict[str, Any]

REPO_READY = koji.REPO_STATES["READY"]
LIVE_REPO_STATES = frozenset({koji.REPO_STATES["READY"], koji.REPO_STATES["EXPIRED"]})
BUILD_COMPLETE = koji.BUILD_STATES["COMPLETE"]
BUILD_FAILED = koji.BUILD_STATES["FAILED"]
SENSE_FLAGS = ((koji.RPMSENSE_LESS, "<"), (koji.RPMSENSE_GREATER, ">"), (koji.RPMSENSE_EQUAL, "="))
RPMSENSE_FIND_REQUIRES = 1 << 14
COMPARISON_BITS = koji.RPMSENSE_LESS | koji.RPMSENSE_GREATER | koji.RPMSENSE_EQUAL
ARCH_CACHE_SECONDS = 3600


class FaultKind(enum.Enum):
    """Who is to blame for a failed Koji call or task."""

    INFRASTRUCTURE = "infrastructure"  # retry later; never the package's fault
    PACKAGE = "package"  # the build itself failed
    OTHER = "other"  # a logic error (bad arguments, unknown object)


def classify(error: BaseException) -> FaultKind:
    """Tell infrastructure faults (connections, lock errors, raw faults, HTTP 5xx) apart."""
    if isinstance(error, KojiError):
        return error.kind
    if isinstance(error, koji.BuildError):
        return FaultKind.PACKAGE
    if isinstance(error, koji.LockError | koji.ServerOffline | koji.RetryError):
        return FaultKind.INFRASTRUCTURE
    if isinstance(error, koji.GenericError):
        return FaultKind.OTHER
    if isinstance(error, Fault):  # not mapped to a Koji exception: a kojid/hub traceback
        return FaultKind.INFRASTRUCTURE
    if isinstance(error, requests.HTTPError):
        status = error.response.status_code if error.response is not None else 500
        return FaultKind.INFRASTRUCTURE if status >= 500 else FaultKind.OTHER
    if isinstance(error, requests.RequestException | OSError):
        return FaultKind.INFRASTRUCTURE
    return FaultKind.OTHER


# What a Koji call raises: Koji's own faults (GenericError and its subclasses), faults the
# client cannot map (a hub traceback) and the transport (connections, timeouts, HTTP errors).
CALL_FAILURES = (koji.GenericError, Fault, requests.RequestException)
# What leaves a call's outcome unknown: the reply was lost, or the client's retry of a call
# the hub already ran was refused (a logged-in session's call number).
UNCLEAR_FAILURES = (koji.RetryError, requests.RequestException, OSError)


class KojiError(ExternalError):
    """A Koji call failed or Koji refused it; the message is one line naming the call.

    Made by :func:`koji_error`; every field is in ``args``, so it pickles (task results).
    """

    def __init__(self, message: str, call: str = "", kind: FaultKind = FaultKind.OTHER) -> None:
        super().__init__(message, call, kind)
        self.call = call
        self.kind = kind

    def __str__(self) -> str:
        return str(self.args[0])


class KojiUnavailable(KojiError):
    """Koji could not answer (connection, timeout, HTTP 5xx, lock, offline, hub traceback),
    even after the client's retries: run again later."""


def describe(error: BaseException) -> str:
    """``Class: message`` of what a Koji call raised, on one line."""
    if isinstance(error, Fault):
        return f"Fault {error.faultCode}: {one_line(error.faultString)}"
    return f"{type(error).__name__}: {one_line(str(error))}"


def koji_error(call: str, error: BaseException) -> KojiError:
    """The KojiError (KojiUnavailable for infrastructure faults) for a failed call."""
    kind = classify(error)
    cls = KojiUnavailable if kind is FaultKind.INFRASTRUCTURE else KojiError
    return cls(f"Koji {call} failed: {describe(error)}", call, kind)


P = ParamSpec("P")
R = TypeVar("R")


def koji_call(func: Callable[P, R]) -> Callable[P, R]:
    """Let what a Koji call raises leave as KojiError naming ``func`` (never retried here)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CALL_FAILURES as exc:
            raise koji_error(func.__name__, exc) from exc

    return wrapper


# --- sessions ---------------------------------------------------------------------------


def koji_config(*, secondary: bool = False) -> Mapping[str, Any]:
    """The primary (or secondary, which inherits primary's keys) Koji configuration."""
    return settings.KOSCHEI["secondary_koji_config" if secondary else "koji_config"]


def create_session(config: Mapping[str, Any], *, anonymous: bool = False) -> Session:
    """A ClientSession with the configured retry options, logged in unless anonymous.

    ``login_method`` names a ClientSession method (``ssl_login``, ``gssapi_login``,
    ``login``); ``logout`` or none means anonymous, like upstream's default.
    """
    session = koji.ClientSession(config["server"], opts=dict(config.get("session_opts") or {}))
    method = config.get("login_method") or "logout"
    if not anonymous and method != "logout":
        try:
            getattr(session, method)(**dict(config.get("login_args") or {}))
        except (*CALL_FAILURES, OSError) as exc:  # OSError: certificate files, TLS
            raise koji_error(f"{method} to {config['server']}", exc) from exc
    return session


def command_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with ``command_session_opts`` over its ``session_opts``: the short retry
    bound of operator commands (upstream's 1000 tries 20 s apart hang one for hours)."""
    opts = {**(config.get("session_opts") or {}), **(config.get("command_session_opts") or {})}
    return {**config, "session_opts": opts}


# An operator's page waits this long for Koji at most, and never retries.
PAGE_SESSION_OPTS = {"timeout": 5, "max_retries": 0, "anon_retry": False, "offline_retry": False}


def page_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with the short, retry-free session options of a web page."""
    return {**config, "session_opts": {**(config.get("session_opts") or {}), **PAGE_SESSION_OPTS}}


class ReadsKoji(Protocol):
    """A collection, as far as choosing the Koji it reads from goes."""

    secondary_mode: bool


class KojiSessions:
    """The sessions a service needs, created on first use.

    ``primary`` is authenticated and submits builds; ``reading(collection)`` is the
    anonymous session that reads a collection's packages, tags and repos (the secondary
    Koji for a collection in secondary mode, else the primary hub).
    """

    def __init__(self, primary: Mapping[str, Any], secondary: Mapping[str, Any]) -> None:
        self._configs = {"primary": primary, "secondary": secondary}
        self._sessions: dict[str, Session] = {}

    @classmethod
    def from_settings(cls) -> KojiSessions:
        """Sessions with the configured retries (workers: they wait Koji out)."""
        return cls(koji_config(), koji_config(secondary=True))

    @classmethod
    def for_commands(cls) -> KojiSessions:
        """Sessions for an operator command: a Koji outage fails it within seconds."""
        return cls(command_config(koji_config()), command_config(koji_config(secondary=True)))

    @classmethod
    def for_pages(cls) -> KojiSessions:
        """Sessions for a web or admin page: one try, a few seconds at most."""
        return cls(page_config(koji_config()), page_config(koji_config(secondary=True)))

    def config(self, *, secondary: bool = False) -> Mapping[str, Any]:
        return self._configs["secondary" if secondary else "primary"]

    @property
    def primary(self) -> Session:
        if "primary" not in self._sessions:
            self._sessions["primary"] = create_session(self._configs["primary"])
        return self._sessions["primary"]

    def close(self) -> None:
        """Log out and close the connections now (a session left to the garbage collector
        logs out from its finaliser, on a connection nobody closes)."""
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            try:
                session.logout()
            except (*CALL_FAILURES, OSError):
                logger.info("logout from %s failed; closing anyway", session.baseurl)
            session.rsession.close()

    def reading(self, collection: ReadsKoji) -> Session:
        """The anonymous session reading ``collection``'s packages, tags and repos."""
        return self.for_reading(secondary_mode=collection.secondary_mode)

    def reading_topurl(self, collection: ReadsKoji) -> str:
        """Where the Koji that ``collection`` reads serves its files (repos, SRPMs)."""
        return str(self.config(secondary=collection.secondary_mode)["topurl"])

    def for_reading(self, *, secondary_mode: bool = False) -> Session:
        key = "secondary" if secondary_mode else "anonymous"
        if key not in self._sessions:
            config = self._configs["secondary" if secondary_mode else "primary"]
            self._sessions[key] = create_session(config, anonymous=True)
        return self._sessions[key]


def multicall(
    session: Session,
    method: str,
    calls: Sequence[tuple[tuple, dict]],
    chunk: int | None = None,
    *,
    absent: str | None = None,
) -> list[Any]:
    """Run ``method`` once per (args, kwargs) in multicall chunks; the results in order.

    Koji's "no such object" answer to a call (a plain GenericError whose message starts
    with ``absent``, for calls made with ``strict``) gives None.  Any other fault of any
    call raises KojiError (KojiUnavailable for infrastructure faults): a fault is never
    taken for absence.  Transport failures were retried by the client before they raise.
    """
    chunk = chunk or int(koji_config().get("multicall_chunk_size") or 100)
    results: list[Any] = []
    try:
        for start in range(0, len(calls), chunk):
            part = calls[start : start + chunk]
            with session.multicall(strict=False) as batch:
                pending = [getattr(batch, method)(*a, **kw) for a, kw in part]
            for (args, _), call in zip(part, pending, strict=True):
                try:
                    results.append(call.result)
                except (koji.GenericError, Fault) as exc:
                    if not _is_absence(exc, absent):
                        raise koji_error(_call_name(method, args), exc) from exc
                    results.append(None)
    except CALL_FAILURES as exc:  # the multiCall request itself
        raise koji_error(f"{method} multicall", exc) from exc
    return results


def _is_absence(error: BaseException, absent: str | None) -> bool:
    # Koji says "no such ..." with a plain GenericError; its subclasses (LockError,
    # ServerOffline, ...) and unmapped faults are never an answer about the object.
    return absent is not None and type(error) is koji.GenericError and str(error).startswith(absent)


def _call_name(method: str, args: tuple) -> str:
    return f"{method}({args[0]!r})" if args else method


# --- targets, tags, repos ---------------------------------------------------------------


@koji_call
def get_build_target(session: Session, name: str) -> dict[str, Any] | None:
    """A build target (``build_tag_name``, ``dest_tag_name``, ...) or None."""
    return session.getBuildTarget(name)


_arch_cache: dict[tuple[str, str], tuple[float, list[str]]] = {}


@koji_call
def get_tag(session: Session, name: str) -> dict[str, Any] | None:
    """The tag called ``name``; None when Koji has none."""
    return session.getTag(name) or None


@koji_call
def get_build_arches(session: Session, build_tag: str) -> list[str]:
    """The arches of a build tag, cached for an hour per (hub, tag)."""
    key = (session.baseurl, build_tag)
    cached = _arch_cache.get(key)
    if cached and time.monotonic() - cached[0] < ARCH_CACHE_SECONDS:
        return cached[1]
    config = session.getBuildConfig(build_tag)
    arches = str(config.get("arches") or "").split() if config else []
    _arch_cache[key] = (time.monotonic(), arches)
    return arches


@koji_call
def get_latest_repo(session: Session, tag: str) -> dict[str, Any] | None:
    """The newest READY repo of a tag, or None."""
    return session.getRepo(tag, state=REPO_READY)


@koji_call
def get_repo_info(session: Session, repo_id: int) -> dict[str, Any] | None:
    """A repo's info when it can still be used (READY or EXPIRED), else None (dead)."""
    info = session.repoInfo(repo_id)
    return info if info and info.get("state") in LIVE_REPO_STATES else None


@koji_call
def get_build_group(session: Session, tag: str, group: str, repo_id: int) -> list[str] | None:
    """Names in a comps group as the tag had it when the repo was made, or None."""
    repo = session.repoInfo(repo_id)
    if not repo:
        return None
    groups = session.getTagGroups(tag, event=repo["create_event"]) or []
    for entry in groups:
        if entry.get("name") == group:
            return [
                p["package"]
                for p in entry.get("packagelist", [])
                if not p.get("blocked") and p.get("type") in ("default", "mandatory")
            ]
    return None


# --- SRPMs and their requirements ------------------------------------------------------


def format_dependency(dep: Mapping[str, Any]) -> str | None:
    """``name op version`` of a getRPMDeps entry; None for rpmlib() and other special deps."""
    flags = int(dep["flags"]) & ~RPMSENSE_FIND_REQUIRES
    if flags & ~COMPARISON_BITS:
        return None
    operator = "".join(sign for bit, sign in SENSE_FLAGS if flags & bit)
    return (
        f"{dep['name']} {operator} {dep.get('version') or ''}".strip() if operator else dep["name"]
    )


def nvra_string(nvra: Mapping[str, Any]) -> str:
    return f"{nvra['name']}-{nvra['version']}-{nvra['release']}.{nvra['arch']}"


def get_rpm_requires(
    session: Session, nvras: Sequence[Mapping[str, Any]]
) -> list[list[str] | None]:
    """BuildRequires strings of each SRPM, in order; None where Koji has no such RPM.

    ``strict``: without it Koji answers [] for an unknown RPM, which would read as an SRPM
    requiring nothing.
    """
    calls: list[tuple[tuple, dict]] = [
        ((nvra_string(n), koji.DEP_REQUIRE), {"strict": True}) for n in nvras
    ]
    results: list[list[str] | None] = []
    for deps in multicall(session, "getRPMDeps", calls, absent="No such rpm:"):
        if deps is None:
            results.append(None)
            continue
        formatted = (format_dependency(d) for d in deps)
        results.append([d for d in formatted if d])
    return results


@koji_call
def get_rpm_arch_headers(session: Session, nvra: Mapping[str, Any]) -> dict[str, Any] | None:
    """BUILDARCHS, EXCLUSIVEARCH and EXCLUDEARCH of an SRPM; None if Koji has no headers."""
    headers = session.getRPMHeaders(
        rpmID=nvra_string(nvra), headers=["BUILDARCHS", "EXCLUDEARCH", "EXCLUSIVEARCH"]
    )
    return headers or None


@koji_call
def get_hosts(session: Session, arches: Iterable[str]) -> list[dict[str, Any]]:
    """Enabled hosts of the default channel able to build any of ``arches``."""
    channel = session.getChannel("default")
    if not channel:
        return []
    return session.listHosts(list(arches), channel["id"], enabled=True) or []


@koji_call
def list_packages(session: Session, tag: str) -> list[dict[str, Any]]:
    """Packages of a tag with inheritance, each with its ``blocked`` flag."""
    return session.listPackages(tagID=tag, inherited=True) or []


@koji_call
def list_tagged_latest(
    session: Session, tag: str, *, package: str | None = None, event: int | None = None
) -> list[dict[str, Any]]:
    """The latest build of every package (or of one) tagged into a tag, with inheritance."""
    kwargs: dict[str, Any] = {"latest": True, "inherit": True}
    if package is not None:
        kwargs["package"] = package
    if event is not None:
        kwargs["event"] = event
    return session.listTagged(tag, **kwargs) or []


@koji_call
def get_last_srpm(
    session: Session, tag: str, name: str, relative_root: str = ".."
) -> tuple[dict[str, Any], str] | None:
    """(build info, relative SRPM URL) of a package's latest tagged build, or None."""
    tagged = list_tagged_latest(session, tag, package=name)
    if not tagged:
        return None
    info = tagged[0]
    srpms = session.listRPMs(buildID=info["build_id"], arches="src") or []
    if not srpms:
        return None
    srpm = srpms[0]
    url = (
        f"{relative_root}/packages/{name}/{srpm['version']}/{srpm['release']}"
        f"/src/{srpm['name']}-{srpm['version']}-{srpm['release']}.src.rpm"
    )
    return info, url


# --- tasks ---------------------------------------------------------------------------


def get_task_infos(session: Session, task_ids: Sequence[int]) -> list[TaskInfo | None]:
    """getTaskInfo of each task, in order; None for unknown tasks (Koji's non-strict answer)."""
    return multicall(session, "getTaskInfo", [((t,), {}) for t in task_ids])


def get_task_children(session: Session, task_ids: Sequence[int]) -> list[list[TaskInfo]]:
    """The child tasks (with their ``request``) of each task, in order; [] for unknown tasks."""
    results = multicall(session, "getTaskChildren", [((t,), {"request": True}) for t in task_ids])
    return [r or [] for r in results]


@koji_call
def task_failed_on_infrastructure(session: Session, task_id: int) -> str | None:
    """The fault (one line) when a finished task failed because of Koji, not the package.

    ``raise_fault=False`` makes Koji return the task's own fault as a dict, so a fault of
    the call itself (a hub lock error, a traceback) raises instead of being taken for the
    task's: the build stays running until Koji can say.  Koji's plain answers about the
    task (canceled meanwhile, ...) are no infrastructure failure, as upstream.
    """
    try:
        result = session.getTaskResult(task_id, raise_fault=False)
    except koji.GenericError as exc:
        if classify(exc) is FaultKind.INFRASTRUCTURE:
            raise
        return None
    if isinstance(result, dict) and "faultCode" in result:
        fault = koji.convertFault(Fault(result["faultCode"], result["faultString"]))
        return describe(fault) if classify(fault) is FaultKind.INFRASTRUCTURE else None
    return None


@koji_call
def cancel_task(session: Session, task_id: int) -> None:
    """Cancel a task; Koji's answers (already finished, unknown, not ours) are ignored,
    while infrastructure faults (lock errors, a refused retry) raise: nothing was done."""
    try:
        session.cancelTask(task_id)
    except koji.GenericError as exc:
        if classify(exc) is FaultKind.INFRASTRUCTURE:
            raise
        logger.info("cancelTask(%s) refused: %s", task_id, exc)
