"""What resolution needs from outside: repos and sacks, build groups, BuildRequires.

A repo is named by a ``RepoSource`` (collection, repo id, Koji sessions).  The downloads
and Koji calls made here never run inside a transaction.  BuildRequires are read from the
``srpm_requires`` table and fetched from Koji (one multicall) only for SRPMs seen for the
first time; they are stored in bulk.  A worker process keeps its last loaded sacks in
``solver_cache``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import connection

from builds import koji
from builds.koji import KojiSessions
from koschei_site.errors import ExternalError
from packages.models import Collection
from resolution.depsolve import Depsolver, SackError, load_sack
from resolution.repos import LocalRepo, RepoCache, RepoDescriptor, RepoError

log = logging.getLogger(__name__)

Nvra = Mapping[str, Any]


class RepoUnavailable(ExternalError):
    """A repo could not be downloaded or loaded; the message is one line."""


def koji_id(collection: Collection) -> str:
    """Which Koji a collection reads packages and repos from."""
    return "secondary" if collection.secondary_mode else "primary"


def dependency_config() -> Mapping[str, Any]:
    return settings.KOSCHEI["dependency"]


def repo_cache() -> RepoCache:
    """This host's repo cache under ``directories.cachedir``."""
    return RepoCache.for_cachedir(
        settings.KOSCHEI["directories"]["cachedir"],
        capacity=int(dependency_config()["cache_l2_capacity"]),
    )


@dataclass(frozen=True)
class RepoSource:
    """One Koji repo of a collection, and the sessions that read it."""

    collection: Collection
    repo_id: int
    sessions: KojiSessions

    @property
    def descriptor(self) -> RepoDescriptor:
        """The repo's identity in this host's repo cache."""
        return RepoDescriptor(koji_id(self.collection), self.collection.build_tag, self.repo_id)

    @property
    def topurl(self) -> str:
        """Where the Koji the collection reads serves the repo."""
        return self.sessions.reading_topurl(self.collection)

    def at(self, repo_id: int) -> RepoSource:
        """Another repo of the same collection, read through the same sessions."""
        return replace(self, repo_id=repo_id)


@contextlib.contextmanager
def local_repo(source: RepoSource) -> Iterator[LocalRepo]:
    """The repo in this host's cache (downloaded on a miss), held in the block; raises
    RepoUnavailable."""
    try:
        with repo_cache().get(
            source.descriptor, source.topurl, dependency_config()["repo_arch"]
        ) as local:
            yield local
    except RepoError as exc:
        raise RepoUnavailable(str(exc)) from None


def fetch(source: RepoSource) -> None:
    """Download the repo into this host's cache unless it is there; raises RepoUnavailable."""
    with local_repo(source):
        pass


#: how many loaded sacks a process keeps
SOLVERS_KEPT = 2


class SolverCache:
    """The last loaded sacks of one process (with their Depsolver memos), for the chunks
    that follow.

    Repos never change once Koji made them.  Entries are keyed by where the repo came
    from as well, so two Koji hubs (or test servers) never share one.  The module's
    ``solver_cache`` belongs to the worker process that imported it.
    """

    def __init__(self, capacity: int = SOLVERS_KEPT) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[tuple[str, ...], Depsolver] = OrderedDict()

    def clear(self) -> None:
        """Forget every kept sack (as in a fresh process)."""
        self._kept.clear()

    def get(self, source: RepoSource, *, build_cache: bool = True) -> Depsolver:
        """A Depsolver on the repo's sack: a kept one, else loaded (see ``solver_for``)."""
        config = dependency_config()
        weak = bool(config["ignore_weak_deps"])
        key = (
            source.topurl,
            str(settings.KOSCHEI["directories"]["cachedir"]),
            source.descriptor.key,
            str(config["resolve_for_arch"]),
            str(weak),
        )
        solver = self._kept.get(key)
        if solver is None:
            # make room first: a sack of a large repo is ~100 MB, and loading the next one
            # on top of every kept one slows the load and raises the process's peak memory;
            # the ones kept lose their memos (as much again after a run), which a new
            # repo's run does not need (its triage only diffs the previous sack)
            while len(self._kept) >= self.capacity:
                self._kept.popitem(last=False)
            for kept in self._kept.values():
                kept.forget_memos()
            with local_repo(source) as local:
                sack = _load(local, config["resolve_for_arch"], build_cache=build_cache)
                solver = Depsolver(sack, ignore_weak_deps=weak)
            self._kept[key] = solver
        self._kept.move_to_end(key)
        return solver


solver_cache = SolverCache()


@contextlib.contextmanager
def solver_for(source: RepoSource, *, build_cache: bool = True) -> Iterator[Depsolver]:
    """A Depsolver on the repo's sack, downloaded into the cache on a miss.

    Loaded sacks are kept in this process's ``solver_cache``; a new one is loaded while
    the repo is locked in the on-disk cache (``build_cache``: writing hawkey's solv
    cache).  Raises RepoUnavailable.
    """
    yield solver_cache.get(source, build_cache=build_cache)


def _load(local: LocalRepo, arch: str, *, build_cache: bool) -> Any:
    try:
        return load_sack(local, arch, build_cache=build_cache).sack
    except SackError as exc:
        raise RepoUnavailable(str(exc)) from None


def build_group(source: RepoSource) -> list[str] | None:
    """The collection's build group as Koji had it when the repo was made; None if missing."""
    collection = source.collection
    return koji.get_build_group(
        source.sessions.reading(collection),
        collection.build_tag,
        collection.build_group,
        source.repo_id,
    )


def nvra_key(nvra: Nvra) -> str:
    return koji.nvra_string(nvra)


STORED_REQUIRES = """
    SELECT nvra, requires FROM srpm_requires WHERE koji_id = %s AND nvra = ANY(%s::text[])
"""


def build_requires(
    collection: Collection, nvras: Sequence[Nvra], sessions: KojiSessions
) -> dict[str, list[str]]:
    """BuildRequires by SRPM NVRA string; SRPMs Koji does not know are left out."""
    source = koji_id(collection)
    keys = {nvra_key(n): n for n in nvras}
    with connection.cursor() as cursor:
        cursor.execute(STORED_REQUIRES, [source, list(keys)])
        found: dict[str, list[str]] = dict(cursor.fetchall())
    missing = [keys[k] for k in keys if k not in found]
    if missing:
        fetched = koji.get_rpm_requires(sessions.reading(collection), missing)
        new = {
            nvra_key(n): reqs for n, reqs in zip(missing, fetched, strict=True) if reqs is not None
        }
        _store_requires(source, new)
        found.update(new)
        log.info("Fetched BuildRequires of %d SRPMs from Koji", len(missing))
    return found


def _store_requires(source: str, requires: Mapping[str, list[str]]) -> None:
    """Insert rows in one statement; a concurrent insert of the same SRPM wins."""
    if not requires:
        return
    names = list(requires)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO srpm_requires (koji_id, nvra, requires)
            SELECT %s, n, ARRAY(SELECT json_array_elements_text(r::json))
            FROM unnest(%s::text[], %s::text[]) AS t(n, r)
            ON CONFLICT (koji_id, nvra) DO NOTHING
            """,
            [source, names, [json.dumps(requires[n]) for n in names]],
        )


class InputsDigest:
    """Digests of everything a package's resolution depends on besides the repo.

    The build group and the weak-deps setting are hashed once per instance; each package
    adds its SRPM and its BuildRequires (in any order).
    """

    def __init__(self, group: Sequence[str]) -> None:
        weak = bool(dependency_config()["ignore_weak_deps"])
        self._common = hashlib.sha256(json.dumps([sorted(group), weak]).encode())

    def of(self, nvra: str, requires: Sequence[str]) -> str:
        digest = self._common.copy()
        digest.update(json.dumps([nvra, sorted(requires)]).encode())
        return digest.hexdigest()
