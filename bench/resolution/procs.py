"""Child processes of a benchmark run and their peak memory.

Every child starts in a session of its own, so stopping it reaches what it forked (a
qcluster's sentinel, pusher, monitor and workers) by that session's process group id
and nothing else.  Peak memory is the kernel's high-water mark (``VmHWM`` in
``/proc/<pid>/status``), sampled for a process tree while it runs because a recycled
worker takes its figure with it when it exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TypeVar

from bench.resolution.report import BenchError, note

STOP_TIMEOUT = 30.0
T = TypeVar("T")


class Processes:
    """The run's children, stopped in reverse order of starting, even after errors."""

    def __init__(self, logdir: Path, cwd: Path) -> None:
        self.logdir = logdir
        self.cwd = cwd
        self._started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self, name: str, cmd: Sequence[str], env: dict[str, str], stdout: int | IO[bytes] | None
    ) -> subprocess.Popen[bytes]:
        """Start ``cmd`` in a new session; stderr (and stdout unless given) go to a log file."""
        log = open(self.logdir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        try:
            process = subprocess.Popen(  # noqa: S603
                list(cmd),
                cwd=self.cwd,
                env=env,
                stdout=log if stdout is None else stdout,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        self._started.append((name, process))
        return process

    def stop(self, process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM the process, then its group; SIGKILL what is left after ``timeout``."""
        if process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        _signal_group(process.pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
        self._started = [(n, p) for n, p in self._started if p is not process]

    def stop_all(self) -> None:
        """Stop everything still running, newest first; never raises."""
        for name, process in reversed(list(self._started)):
            try:
                self.stop(process)
            except Exception as exc:  # keep stopping the others
                note(f"could not stop {name} (pid {process.pid}): {exc}")


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ")"
    return int(stat.rsplit(")", 1)[1].split()[1])


def descendants(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def peak_kib(pid: int) -> int | None:
    """The process's peak resident set size (VmHWM) in KiB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class PeakRss:
    """Samples the peak RSS of every process in a tree, in a background thread."""

    def __init__(self, root: int, interval: float = 0.5) -> None:
        self.root = root
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="peak-rss", daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        for pid in descendants(self.root):
            kib = peak_kib(pid)
            if kib is not None and kib > self.peaks.get(pid, 0):
                self.peaks[pid] = kib

    def largest_mb(self, count: int) -> list[int]:
        """The ``count`` largest peaks in MiB, largest first (the workers of a qcluster:
        its main process, sentinel, pusher and monitor only hold Django)."""
        return [kib // 1024 for kib in sorted(self.peaks.values(), reverse=True)[:count]]


def wait_for(what: str, check: Callable[[], T], timeout: float, interval: float = 0.2) -> T:
    """Call ``check()`` until it returns something truthy; BenchError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
