"""Koji build repositories on local disk: librepo download into a bounded, shared cache.

The only module that imports ``librepo``.  No Django: the caller passes the cache
directory (``KOSCHEI['directories']['cachedir']``) and the capacity.

On-disk layout of a cache root (one per host; several worker processes share it):

    <root>/<key>/                 a READY entry: downloaded, verified, renamed into place
    <root>/<key>/manifest.json    where librepo put repomd/primary/filelists/comps
    <root>/<key>/solv/            hawkey's solv cache for the entry (written by depsolve)
    <root>/<key>/impacts/         changes from earlier repos to this one (services.impacts)
    <root>/.partial-<key>/        a download in progress (owned by the holder of the item lock)
    <root>/.<key>.lock            the item lock: exclusive while created, shared while read
    <root>/.index.lock            the directory lock: held only to count, evict and reserve

Rules that make it safe for concurrent processes (fcntl ``flock``):
- an entry directory appears only by ``rename`` of a complete, checksum-verified download,
  so a reader never sees a partial or corrupt entry; a failed download leaves nothing;
- the directory lock is never held while waiting for an item lock (eviction only tries
  item locks without blocking), so nothing can deadlock;
- an entry is evicted only while its item lock is held exclusively, so an entry in use
  (shared lock) is never evicted; lock files are deleted only under the exclusive lock and
  every locker checks that the file it locked is still the one at the path.
The entry directory's mtime is its last use; eviction takes the least recently used first.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import total_ordering
from pathlib import Path
from typing import Any

import librepo

from koschei_site.errors import ExternalError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
SOLV_DIR = "solv"
_INDEX_LOCK = ".index.lock"
_PARTIAL = ".partial-"
_NAME = re.compile(r"^[A-Za-z0-9_+][A-Za-z0-9._+-]*$")
_GET_ATTEMPTS = 5
#: the yum metadata Koschei needs; other, prestodelta, updateinfo... are skipped
YUM_DOWNLOAD_LIST = ("primary", "filelists", "group", "group_gz")


class RepoError(ExternalError):
    """A repository could not be provided; the message is one line."""


class RepoNotFound(RepoError):
    """The repository does not exist at its URL (deleted by Koji, or never there)."""


class RepoDownloadError(RepoError):
    """Download or verification failed (network, timeout, bad checksum, truncated file)."""


class RepoCacheFull(RepoError):
    """Every cache slot holds an entry in use, so nothing can be evicted."""


@total_ordering
@dataclass(frozen=True)
class RepoDescriptor:
    """One Koji build repo: ``<koji_id>-<build_tag>-<repo_id>``; descriptors order by repo_id."""

    koji_id: str
    build_tag: str
    repo_id: int

    def __post_init__(self) -> None:
        for value in (self.koji_id, self.build_tag):
            if not _NAME.match(value):
                raise ValueError(f"not a usable Koji instance or tag name: {value!r}")
        if isinstance(self.repo_id, bool) or not isinstance(self.repo_id, int) or self.repo_id < 0:
            raise ValueError(f"not a repo id: {self.repo_id!r}")

    def __str__(self) -> str:
        return f"{self.koji_id}-{self.build_tag}-{self.repo_id}"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RepoDescriptor):
            return NotImplemented
        return self._sort_key() < other._sort_key()

    def _sort_key(self) -> tuple[int, str, str]:
        return (self.repo_id, self.koji_id, self.build_tag)

    @property
    def key(self) -> str:
        """The cache key (the string form)."""
        return str(self)

    def url(self, topurl: str, arch: str) -> str:
        """Where Koji publishes the repo: ``<topurl>/repos/<build_tag>/<repo_id>/<arch>``."""
        return f"{topurl.rstrip('/')}/repos/{self.build_tag}/{self.repo_id}/{arch}"


@dataclass(frozen=True)
class LocalRepo:
    """Verified repodata on local disk; ``solv_cachedir`` is where hawkey keeps its cache.

    Valid while the ``RepoCache.get`` block that handed it out runs: keep a sack loaded
    from it inside that block too.
    """

    descriptor: RepoDescriptor
    path: Path
    repomd: Path
    primary: Path
    filelists: Path | None
    comps: Path | None

    @property
    def solv_cachedir(self) -> Path:
        return self.path / SOLV_DIR


@dataclass(frozen=True)
class DownloadOptions:
    """librepo limits; a stalled transfer is aborted after ``low_speed_time`` seconds."""

    connect_timeout: int = 30
    low_speed_time: int = 30
    low_speed_limit: int = 1000  # bytes per second
    attempts: int = 2  # tries per file
    user_agent: str = "koschei"


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class _Failures:
    """Collects librepo's per-file failure reports (the exception itself only says "all
    mirrors were tried"); the last report names the real cause."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, str]] = []

    def __call__(self, _data: object, message: str, _url: str, metadata: str) -> None:
        self.reports.append((metadata or "", _one_line(message)))

    def error(self, exc: BaseException, url: str) -> RepoError:
        if not self.reports:
            args: tuple[object, ...] = exc.args
            text = args[1] if len(args) > 1 else exc
            return RepoDownloadError(f"cannot download repo {url}: {_one_line(text)}")
        metadata, message = self.reports[-1]
        if metadata == "repomd.xml" and _NOT_FOUND.search(message):
            return RepoNotFound(f"repo not found at {url}")
        return RepoDownloadError(f"cannot download repo {url}: {metadata}: {message}")


_NOT_FOUND = re.compile(r"Status code: 404|Status code: 410|No such file|Couldn't open file")


def download_repodata(url: str, destdir: Path, options: DownloadOptions) -> dict[str, str | None]:
    """Download and verify the repodata at ``url`` into ``destdir``; return relative paths.

    librepo checks every file against the checksums in repomd.xml (``checksum`` on).
    Raises RepoNotFound or RepoDownloadError; ``destdir`` may then hold garbage.
    """
    failures = _Failures()
    handle = librepo.Handle()
    handle.setopt(librepo.LRO_URLS, [url])
    handle.setopt(librepo.LRO_REPOTYPE, librepo.LR_YUMREPO)
    handle.setopt(librepo.LRO_DESTDIR, str(destdir))
    handle.setopt(librepo.LRO_YUMDLIST, list(YUM_DOWNLOAD_LIST))
    handle.setopt(librepo.LRO_CHECKSUM, True)
    handle.setopt(librepo.LRO_INTERRUPTIBLE, False)  # never install librepo's signal handler
    handle.setopt(librepo.LRO_CONNECTTIMEOUT, options.connect_timeout)
    handle.setopt(librepo.LRO_LOWSPEEDTIME, options.low_speed_time)
    handle.setopt(librepo.LRO_LOWSPEEDLIMIT, options.low_speed_limit)
    # with a single URL librepo retries the same server (4 times by default)
    handle.setopt(librepo.LRO_MAXMIRRORTRIES, options.attempts)
    handle.setopt(librepo.LRO_USERAGENT, options.user_agent)
    handle.setopt(librepo.LRO_HMFCB, failures)
    try:
        result = handle.perform()
    except (librepo.LibrepoException, OSError) as exc:
        raise failures.error(exc, url) from None
    files: dict[str, Any] = result.getinfo(librepo.LRR_YUM_REPO)
    if not files.get("repomd") or not files.get("primary"):
        raise RepoDownloadError(f"cannot download repo {url}: repomd.xml lists no primary")

    def relative(kind: str) -> str | None:
        path = files.get(kind)
        return None if not path else os.path.relpath(path, destdir)

    return {
        "repomd": relative("repomd"),
        "primary": relative("primary"),
        "filelists": relative("filelists"),
        "comps": relative("group") or relative("group_gz"),
    }


def _fsync_tree(root: Path) -> None:
    """Flush a freshly downloaded tree so a crash cannot leave a truncated READY entry."""
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(dirpath, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class RepoCache:
    """A bounded LRU cache of Koji repos on local disk, shared by the processes of one host."""

    def __init__(
        self, root: Path | str, capacity: int = 100, options: DownloadOptions | None = None
    ) -> None:
        if capacity < 1:
            raise ValueError("the repo cache needs a capacity of at least 1")
        self.root = Path(root)
        self.capacity = capacity
        self.options = options or DownloadOptions()
        self.root.mkdir(parents=True, exist_ok=True)

    @classmethod
    def for_cachedir(
        cls, cachedir: Path | str, capacity: int = 100, options: DownloadOptions | None = None
    ) -> RepoCache:
        """The cache under Koschei's ``cachedir`` (``<cachedir>/repodata``)."""
        return cls(Path(cachedir) / "repodata", capacity, options)

    # -- public API -------------------------------------------------------------------------

    @contextlib.contextmanager
    def get(self, descriptor: RepoDescriptor, topurl: str, arch: str) -> Iterator[LocalRepo]:
        """The repo on local disk, downloaded on a miss; it stays locked (shared) in the block.

        Raises RepoNotFound, RepoDownloadError or RepoCacheFull; nothing is cached then.
        """
        url = descriptor.url(topurl, arch)
        fd, local = self._acquire(descriptor, url)
        try:
            now = time.time_ns()
            os.utime(local.path, ns=(now, now))
            yield local
        finally:
            os.close(fd)

    def clear(self) -> int:
        """Remove every entry not in use (and stale leftovers); return how many entries went."""
        with self._index_lock():
            self._sweep_partials()
            removed = sum(self._evict(path) for path in self._ready_dirs())
            self._sweep_lock_files()
        return removed

    def entries(self) -> list[str]:
        """READY entries, least recently used first."""
        return [path.name for path in self._lru_order(self._ready_dirs())]

    # -- entries ----------------------------------------------------------------------------

    def _acquire(self, descriptor: RepoDescriptor, url: str) -> tuple[int, LocalRepo]:
        """Hold the entry's item lock shared, creating the entry first on a miss."""
        for _attempt in range(_GET_ATTEMPTS):
            fd = self._lock_item(descriptor.key, fcntl.LOCK_SH)
            local = self._ready(descriptor, url)
            if local is not None:
                return fd, local
            os.close(fd)
            fd = self._lock_item(descriptor.key, fcntl.LOCK_EX)
            try:
                if self._ready(descriptor, url) is None:
                    self._create(descriptor, url)
            finally:
                os.close(fd)
            # then take the shared lock; only a tiny, busy cache can evict it in between
        raise RepoCacheFull(f"repo cache {self.root} cannot keep {descriptor}: too small")

    def _ready(self, descriptor: RepoDescriptor, url: str) -> LocalRepo | None:
        """The entry if it is READY and was downloaded from ``url`` (i.e. for this arch)."""
        path = self.root / descriptor.key
        try:
            manifest = json.loads((path / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        if manifest.get("version") != MANIFEST_VERSION or manifest.get("url") != url:
            return None

        def file(kind: str) -> Path | None:
            rel = manifest.get(kind)
            return None if rel is None else path / rel

        repomd, primary = file("repomd"), file("primary")
        if repomd is None or primary is None:
            return None
        return LocalRepo(descriptor, path, repomd, primary, file("filelists"), file("comps"))

    def _create(self, descriptor: RepoDescriptor, url: str) -> None:
        """Download the entry; the caller holds its item lock exclusively."""
        key = descriptor.key
        entry = self.root / key
        partial = self.root / f"{_PARTIAL}{key}"
        if entry.exists():  # another arch or an unreadable manifest: replace it
            shutil.rmtree(entry)
        with self._index_lock():
            self._make_room(key)
            shutil.rmtree(partial, ignore_errors=True)  # left by a crashed process
            partial.mkdir()
        started = time.monotonic()
        try:
            paths = download_repodata(url, partial, self.options)
            (partial / SOLV_DIR).mkdir()
            manifest = {"version": MANIFEST_VERSION, "key": key, "url": url, **paths}
            (partial / MANIFEST).write_text(json.dumps(manifest, indent=1))
            _fsync_tree(partial)
            partial.rename(entry)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        log.info("Downloaded repo %s from %s in %.1f s", key, url, time.monotonic() - started)

    def _make_room(self, key: str) -> None:
        """Evict LRU entries so one more fits; the caller holds the index lock."""
        in_progress = self._sweep_partials(skip=key)
        self._sweep_lock_files()
        ready = self._ready_dirs()
        excess = len(ready) + in_progress + 1 - self.capacity
        for path in self._lru_order(ready):
            if excess <= 0:
                break
            if self._evict(path):
                excess -= 1
        if excess > 0:
            raise RepoCacheFull(
                f"repo cache {self.root} is full: all {self.capacity} entries are in use"
            )

    def _evict(self, path: Path) -> bool:
        """Delete one entry if nobody uses it (non-blocking item lock)."""
        fd = self._try_lock_item(path.name)
        if fd is None:
            return False
        try:
            shutil.rmtree(path, ignore_errors=True)
            self._lock_path(path.name).unlink(missing_ok=True)
        finally:
            os.close(fd)
        log.info("Evicted repo %s from the cache", path.name)
        return True

    def _sweep_partials(self, skip: str | None = None) -> int:
        """Delete downloads whose owner died; return how many are still in progress."""
        alive = 0
        for path in self.root.glob(f"{_PARTIAL}*"):
            key = path.name[len(_PARTIAL) :]
            if key == skip:
                continue
            fd = self._try_lock_item(key)
            if fd is None:
                alive += 1
                continue
            try:
                shutil.rmtree(path, ignore_errors=True)
            finally:
                os.close(fd)
        return alive

    def _sweep_lock_files(self) -> None:
        """Delete lock files of entries that no longer exist and nobody holds."""
        for lock in self.root.glob(".*.lock"):
            key = lock.name[1 : -len(".lock")]
            if lock.name == _INDEX_LOCK or (self.root / key).exists():
                continue
            fd = self._try_lock_item(key)
            if fd is not None:
                try:
                    lock.unlink(missing_ok=True)
                finally:
                    os.close(fd)

    def _ready_dirs(self) -> list[Path]:
        return [p for p in self.root.iterdir() if not p.name.startswith(".") and p.is_dir()]

    @staticmethod
    def _lru_order(paths: list[Path]) -> list[Path]:
        def last_use(path: Path) -> tuple[int, str]:
            try:
                return (path.stat().st_mtime_ns, path.name)
            except FileNotFoundError:
                return (0, path.name)

        return sorted(paths, key=last_use)

    # -- locks ------------------------------------------------------------------------------

    def _lock_path(self, key: str) -> Path:
        return self.root / f".{key}.lock"

    def _lock_item(self, key: str, mode: int) -> int:
        """A file descriptor holding the item lock (waits for it)."""
        fd = self._lock_item_maybe(key, mode, blocking=True)
        if fd is None:  # a blocking flock either succeeds or raises
            raise RuntimeError(f"flock on {key} returned without the lock")
        return fd

    def _try_lock_item(self, key: str) -> int | None:
        """The item lock held exclusively, or None when someone holds it."""
        return self._lock_item_maybe(key, fcntl.LOCK_EX, blocking=False)

    def _lock_item_maybe(self, key: str, mode: int, *, blocking: bool) -> int | None:
        path = self._lock_path(key)
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, mode | (0 if blocking else fcntl.LOCK_NB))
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    return None
                raise
            try:
                if os.stat(path).st_ino == os.fstat(fd).st_ino:
                    return fd
            except FileNotFoundError:
                pass
            os.close(fd)  # an evictor deleted the file we locked: lock the new one

    @contextlib.contextmanager
    def _index_lock(self) -> Iterator[None]:
        fd = os.open(self.root / _INDEX_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
