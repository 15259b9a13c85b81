"""Repo change impacts worked out once per host and shared by its worker processes.

A ``ChangeImpact`` (``resolution.depsolve.incremental``) costs up to a second on a
distribution: both sacks, their diff and a pass over the new one.  Every triage chunk of a
run needs the same one, and the chunks run in different processes; the repo check also has
a worker start on it ahead of the triage (``triage.prepare``).  The first process to ask
works it out while holding a lock file beside the new repo in this host's cache; the
others wait on that lock and read the result it leaves there: pickled (only this
service's own processes write it), written to a temporary file and renamed into place.
The files go with the repo's cache entry when it is evicted.  The impact is over NEVRAs,
not database ids, so a file holds for any database.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from resolution.depsolve import ChangeImpact
from resolution.services import inputs
from resolution.services.inputs import RepoSource

log = logging.getLogger(__name__)

IMPACTS_DIR = "impacts"
#: bumped when ChangeImpact's attributes change, so older files are not read
FORMAT = 1
#: how long a process waits for another one working out the same impact
LOCK_WAIT_SECONDS = 300.0
_POLL_SECONDS = 0.01


def shared_impact(
    *, old: RepoSource, new: RepoSource, compute: Callable[[], ChangeImpact]
) -> ChangeImpact:
    """The impact of the change from repo ``old`` to repo ``new``: read from this host's
    cache, else ``compute()`` (under the lock, so once per host) and stored there.

    Raises RepoUnavailable when the new repo cannot be had (or ``compute`` raises it).
    """
    weak = "noweak" if inputs.dependency_config()["ignore_weak_deps"] else "weak"
    name = f"from-{old.descriptor.key}-{weak}-v{FORMAT}"
    with inputs.local_repo(new) as local:
        directory = local.path / IMPACTS_DIR
        directory.mkdir(exist_ok=True)
        path = directory / f"{name}.pickle"
        with _locked(directory / f".{name}.lock"):
            found = _read(path)
            if found is None:
                found = compute()
                _write(path, found)
    return found


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``path``; after LOCK_WAIT_SECONDS, go on without it
    (a stuck holder must not stop the run: the work is then done twice, still correct)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    log.warning("Gave up waiting for %s; working the impact out again", path)
                    break
                time.sleep(_POLL_SECONDS)
        yield
    finally:
        os.close(fd)


def _read(path: Path) -> ChangeImpact | None:
    try:
        with open(path, "rb") as handle:
            # written by this service's own processes into its own cache directory
            found = pickle.load(handle)  # noqa: S301
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        log.warning("Unreadable impact file %s (%s); working it out again", path, exc)
        return None
    return found if isinstance(found, ChangeImpact) else None


def _write(path: Path, impact: ChangeImpact) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(partial, "wb") as handle:
            pickle.dump(impact, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError as exc:  # a full disk costs the other processes time, not correctness
        log.warning("Could not keep the impact in %s: %s", path, exc)
        with contextlib.suppress(OSError):
            partial.unlink()
