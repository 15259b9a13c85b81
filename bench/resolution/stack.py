"""The system under test, built from nothing for each run: a fresh database, a kojisim on
a free loopback port, a KOSCHEI_CONFIG file naming them, an empty cache directory, the
project's commands run as subprocesses, and django-q2 workers."""

from __future__ import annotations

import json
import os
import secrets
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2

from bench.resolution.data import ROOT
from bench.resolution.procs import Processes, peak_kib
from bench.resolution.report import BenchError, note

DB_HOST = "127.0.0.1"
DB_USER = "koschei"
KOJISIM_START_TIMEOUT = 600.0
WORKERS_START_TIMEOUT = 120.0


def recreate_database(name: str) -> str:
    """Drop and create the benchmark's database; returns the server's version."""
    if not name.replace("_", "").isalnum():
        raise BenchError(f"not a plain database name: {name!r}")
    try:
        conn = psycopg2.connect(host=DB_HOST, user=DB_USER, dbname="postgres")
    except psycopg2.Error as exc:
        raise BenchError(f"cannot reach PostgreSQL on {DB_HOST}: {exc}".strip()) from None
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            # the name was checked above; identifiers cannot be bound parameters
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
            cursor.execute("SHOW server_version")
            row = cursor.fetchone()
    finally:
        conn.close()
    return str(row[0]).split()[0] if row else "unknown"


def database_url(name: str) -> str:
    return f"postgresql://{DB_USER}@{DB_HOST}:5432/{name}"


def write_config(path: Path, hub_url: str, cachedir: Path, *, scheduler: bool = False) -> None:
    """A KOSCHEI_CONFIG file: Koji is the kojisim (password login as ``koschei``, a user
    every directory-loaded hub has), the cache is the run's own directory.  The scheduler
    is passive unless ``scheduler``: a finished run enqueues it, and builds it submitted
    would change what the next resolution sees."""
    base = hub_url.rsplit("/", 1)[0]
    config = {
        "koji_config": {
            "server": hub_url,
            "topurl": f"{base}/kojifiles",
            "weburl": f"{base}/koji",
            "login_method": "login",
            "session_opts": {
                "user": "koschei",
                "password": "koschei",
                "max_retries": 5,
                "retry_interval": 1,
                "anon_retry": True,
                "timeout": 300,
            },
        },
        "directories": {"cachedir": str(cachedir)},
        "services": {"scheduler": {"enabled": scheduler}},
    }
    path.write_text(f"config = {config!r}\n")


@dataclass(frozen=True)
class Command:
    """A finished command: its stdout, wall time and peak resident memory (MiB)."""

    stdout: str
    seconds: float
    peak_rss_mb: int


def _wait(process: subprocess.Popen[str], timeout: float, name: str) -> tuple[int, int]:
    """Reap ``process``, killing it after ``timeout``; its exit status and peak resident
    memory in KiB.

    The peak is the child's own ``VmHWM``, sampled while it runs.  The kernel's
    ``ru_maxrss`` of a child is no use here: exec records the high-water mark of the
    memory the child had before it (a fork, or a vfork of this harness), so it reports
    the harness's peak whenever that is larger.  Samples count once the child runs the
    command (its command line names it), not while it is still the forked harness.
    """
    deadline = time.monotonic() + timeout
    peak = 0
    while True:
        if _runs_command(process.pid):
            peak = max(peak, peak_kib(process.pid) or 0)
        if process.poll() is not None:
            return process.returncode, peak
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise BenchError(f"{name} timed out after {timeout:.0f} s")
        time.sleep(0.01)


def _runs_command(pid: int) -> bool:
    try:
        return b"manage.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@dataclass
class Stack:
    """Where the run lives and how its processes are started."""

    workdir: Path
    procs: Processes
    env: dict[str, str] = field(default_factory=dict)

    @property
    def cachedir(self) -> Path:
        return self.workdir / "cache"

    def manage(self, args: Sequence[str], timeout: float) -> Command:
        """Run ``manage.py ARGS`` (bounded); stderr goes to ``commands.log``."""
        cmd = [sys.executable, str(ROOT / "manage.py"), *args]
        log = self.workdir / "commands.log"
        with open(log, "a") as handle, tempfile.TemporaryFile("w+") as out:
            handle.write(f"\n$ manage.py {' '.join(args[:8])}{' ...' if len(args) > 8 else ''}\n")
            handle.flush()
            started = time.monotonic()
            process = subprocess.Popen(  # noqa: S603
                cmd, cwd=ROOT, env=self.env, stdout=out, stderr=handle, text=True
            )
            status, peak = _wait(process, timeout, f"manage.py {args[0]}")
            seconds = time.monotonic() - started
            out.seek(0)
            stdout = out.read()
        if status != 0:
            raise BenchError(f"manage.py {args[0]} failed ({status}); see {log}")
        return Command(stdout, seconds, peak // 1024)

    def start_kojisim(self, repo: Path, extra: Sequence[str] = ()) -> tuple[str, float]:
        """kojisim serving ``repo`` on a free loopback port, frozen clock (nothing happens
        unless asked: no kojira regeneration, no timeline), with ``extra`` options.
        Returns its hub URL and how long it took to load."""
        cmd = [sys.executable, "-m", "kojisim", "--scenario", str(repo), "--port", "0"]
        cmd += ["--speed", "0", "--state-dir", str(self.workdir / "kojisim"), *extra]
        started = time.monotonic()
        process = self.procs.start("kojisim", cmd, self.env, stdout=subprocess.PIPE)
        stdout = process.stdout
        if stdout is None:
            raise BenchError("kojisim's stdout is not captured")
        deadline = time.monotonic() + KOJISIM_START_TIMEOUT
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stdout], [], [], 0.5)
            if ready:
                line = stdout.readline().decode()
                if "listening on" in line:
                    return line.split()[-1], time.monotonic() - started
            if process.poll() is not None:
                break
        raise BenchError(f"kojisim did not start; see {self.workdir / 'kojisim.log'}")

    def sim(self, hub_url: str, args: Sequence[str], timeout: float) -> Any:
        """A ``sim.*`` call through ``python -m kojisim.ctl`` (bounded); its JSON answer."""
        cmd = [sys.executable, "-m", "kojisim.ctl", "--url", hub_url, *args]
        try:
            done = subprocess.run(  # noqa: S603
                cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            raise BenchError(f"kojisim.ctl {args[0]} timed out after {timeout:.0f} s") from None
        if done.returncode != 0:
            raise BenchError(f"kojisim.ctl {args[0]} failed: {done.stderr.strip()[-300:]}")
        return json.loads(done.stdout)

    def latest_repo(self, hub_url: str, build_tag: str) -> int:
        """The id of the build tag's newest READY repo in kojisim."""
        status = self.sim(hub_url, ["status"], timeout=120)
        ready = [
            int(r["id"]) for r in status["repos"] if r["tag_name"] == build_tag and r["state"] == 1
        ]
        if not ready:
            raise BenchError(f"kojisim has no READY repo of {build_tag}")
        return max(ready)

    def start_workers(self, workers: int) -> subprocess.Popen[bytes]:
        """A fresh ``manage.py qcluster`` with ``workers`` worker processes (ORM broker)."""
        env = {**self.env, "KOSCHEI_WORKERS": str(workers), "KOSCHEI_LOG_LEVEL": "INFO"}
        cmd = [sys.executable, str(ROOT / "manage.py"), "qcluster"]
        note(f"starting qcluster with {workers} workers")
        log = self.workdir / "workers.log"
        logged = log.stat().st_size if log.exists() else 0
        process = self.procs.start("workers", cmd, env, stdout=None)
        # a service's workers are up long before a repo comes: the figures start once the
        # cluster says it runs, not while Python and Django start
        deadline = time.monotonic() + WORKERS_START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            with open(log, "rb") as handle:
                handle.seek(logged)
                if b"] running." in handle.read():
                    return process
            time.sleep(0.05)
        raise BenchError(f"the qcluster did not start; see {log}")


def django_env(
    workdir: Path, database: str, hub_url: str, *, scheduler: bool = False
) -> dict[str, str]:
    """The environment of every project process of the run (and of this one): production
    settings (``KOSCHEI_DEBUG`` off, a secret key of the run's own), as a deployment runs
    them.  With DEBUG on, Django keeps the text of every query in each process (up to
    9,000 of them: tens of MB of install-set arrays), which inflates the memory figures."""
    config = workdir / "koschei.cfg"
    write_config(config, hub_url, workdir / "cache", scheduler=scheduler)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOSCHEI_")}
    env.update(
        {
            "KOSCHEI_CONFIG": str(config),
            "KOSCHEI_DATABASE_URL": database_url(database),
            "KOSCHEI_DEBUG": "0",
            "KOSCHEI_SECRET_KEY": secrets.token_urlsafe(48),
            "KOSCHEI_ALLOWED_HOSTS": "127.0.0.1",
            "KOSCHEI_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "koschei_site.settings",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process for the run's database (ORM look-ups, enqueueing)."""
    os.environ.update(env)
    import django

    django.setup()
