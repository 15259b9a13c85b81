"""Koschei's services running as they run in production, for end-to-end tests.

A ``Deployment`` holds "hosts": each is an environment (its own repo cache directory, the
test database, one configuration file) in which ``manage.py`` processes run as
subprocesses, each in its own process group so that stopping or killing a host reaches
qcluster's sentinel and workers too.  Everything a deployment started is stopped when
``close`` runs (the tests' fixtures call it in teardown).  Waits poll with a deadline.

Also here: a private RabbitMQ virtual host and a private django-q2 queue name on the
local Redis, so that parallel test runs never see each other's messages or tasks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from django.db import connection

from koschei_site.config import deep_merge

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 30.0
REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_HOST = ("127.0.0.1", 5672)

T = TypeVar("T")


def database_url() -> str:
    """The test database as a KOSCHEI_DATABASE_URL for subprocesses."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgresql://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def koji_config(hub: Any) -> dict[str, Any]:
    """The configuration naming a kojisim hub as the primary Koji (login ``koschei``)."""
    return {
        "server": hub.url,
        "topurl": hub.topurl,
        "weburl": hub.weburl,
        "login_method": "login",
        "login_args": {},
        "session_opts": {
            "user": "koschei",
            "password": "koschei",
            "max_retries": 3,
            "retry_interval": 0.5,
            "anon_retry": True,
            "timeout": 60,
        },
        "command_session_opts": {"max_retries": 3, "retry_interval": 0.5},
        "build_arches": ["x86_64", "aarch64", "i386"],
    }


def write_config(path: Path, hub: Any, overrides: Mapping[str, Any] | None = None) -> Path:
    """An operator configuration file (``config = {...}``) for a deployment on ``hub``."""
    config = deep_merge({"koji_config": koji_config(hub)}, overrides or {})
    path.write_text(f"config = {config!r}\n")
    return path


def wait_for(
    condition: Callable[[], T],
    *,
    timeout: float,
    what: str,
    interval: float = 0.3,
    diagnose: Callable[[], str] | None = None,
) -> T:
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            details = diagnose() if diagnose else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{details}")
        time.sleep(interval)


@dataclass
class Host:
    """One machine of a deployment: an environment and the processes it runs."""

    name: str
    env: dict[str, str]
    directory: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def cachedir(self) -> Path:
        return Path(self.env["KOSCHEI_CACHEDIR"])

    def log_path(self, command: str) -> Path:
        return self.directory / f"{self.name}-{command}.log"

    def log(self, command: str) -> str:
        path = self.log_path(command)
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, command: str, *args: str) -> subprocess.Popen[bytes]:
        """Start ``manage.py COMMAND ARGS`` in a new process group, its output to a log."""
        return self.spawn(command, [sys.executable, "manage.py", command, *args])

    def spawn(self, label: str, argv: list[str]) -> subprocess.Popen[bytes]:
        """Start a program in a new process group, its output to ``<host>-<label>.log``."""
        with open(self.log_path(label), "ab") as out:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[label] = process
        return process

    def run(self, command: str, *args: str, timeout: float = 180) -> str:
        """Run ``manage.py COMMAND ARGS`` to its end on this host; its output (fails on
        a non-zero exit)."""
        result = subprocess.run(
            [sys.executable, "manage.py", command, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {command} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def enqueue(self, func: str, *args: Any, count: int = 1) -> None:
        """Queue ``count`` django-q2 tasks from this host, as a service would."""
        code = (
            "from django_q.tasks import async_task\n"
            f"for _ in range({count}): async_task({func!r}, *{args!r})\n"
        )
        self.run("shell", "-c", code)

    def kill(self) -> None:
        """The host dies: every process it runs gets SIGKILL, children included."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)
        self.processes.clear()

    def stop(self) -> None:
        """SIGTERM every leader, SIGKILL its group once it stopped or STOP_TIMEOUT passed.

        The leader stops its own children (qcluster its sentinel and workers): signalling
        the whole group left qcluster waiting for workers that had already gone."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(process, signal.SIGKILL)  # stragglers of a stopped leader too
            if process.poll() is None:
                process.wait(timeout=10)
        self.processes.clear()

    def logs(self) -> str:
        """The tail of every log of this host, for failure messages."""
        parts = []
        for path in sorted(self.directory.glob(f"{self.name}-*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


def start_workers(*hosts: Host, timeout: float = 120) -> None:
    """Start ``manage.py qcluster`` on each host; wait until every cluster says it runs."""
    for host in hosts:
        host.start("qcluster")
    for host in hosts:
        wait_for(
            lambda host=host: " running." in host.log("qcluster"),  # type: ignore[misc]
            timeout=timeout,
            what=f"the workers of {host.name}",
            diagnose=host.logs,
        )


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group is gone
        os.killpg(process.pid, signum)


@dataclass
class Deployment:
    """Hosts sharing one database (and one queue); ``close`` stops them all."""

    directory: Path
    env: dict[str, str]
    hosts: list[Host] = field(default_factory=list)

    def host(self, name: str, **env: str) -> Host:
        """A new host with its own repo cache (``env`` overrides the deployment's)."""
        cachedir = self.directory / name / "cache"
        cachedir.mkdir(parents=True)
        host = Host(name, {**self.env, "KOSCHEI_CACHEDIR": str(cachedir), **env}, self.directory)
        self.hosts.append(host)
        return host

    def logs(self) -> str:
        return "\n".join(host.logs() for host in self.hosts)

    def close(self) -> None:
        for host in self.hosts:
            host.stop()


def service_env(config: Path, **extra: str) -> dict[str, str]:
    """The environment of a Koschei process on the test database, configured by ``config``
    alone (no caller's KOSCHEI_* variable leaks in)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KOSCHEI_", "DJANGO_", "Q_CLUSTER"))
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "koschei_site.settings",
        "KOSCHEI_DEBUG": "1",
        "KOSCHEI_CONFIG": str(config),
        "KOSCHEI_DATABASE_URL": database_url(),
        "KOSCHEI_LOG_LEVEL": "INFO",
        **extra,
    }


@contextmanager
def deployment(directory: Path, env: dict[str, str]) -> Iterator[Deployment]:
    """A deployment whose processes are always stopped at the end."""
    running = Deployment(directory, env)
    try:
        yield running
    finally:
        running.close()


# -- brokers ---------------------------------------------------------------------------------


def reachable(address: tuple[str, int]) -> bool:
    try:
        socket.create_connection(address, timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def redis_queue() -> Iterator[tuple[str, str]]:
    """(KOSCHEI_REDIS_URL, KOSCHEI_QUEUE_NAME) of a queue no one else uses; its keys are
    deleted afterwards."""
    import redis

    name = f"koschei-test-{uuid.uuid4().hex[:12]}"
    client = redis.from_url(REDIS_URL)
    try:
        yield REDIS_URL, name
    finally:
        keys = list(client.scan_iter(match=f"django_q:{name}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def redis_queue_length(name: str) -> int:
    """Tasks waiting in a django-q2 queue on the local Redis."""
    import redis

    client = redis.from_url(REDIS_URL)
    try:
        return int(client.llen(f"django_q:{name}:q"))
    finally:
        client.close()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def amqp_available() -> bool:
    return reachable(AMQP_HOST) and shutil.which("rabbitmqctl") is not None


@contextmanager
def amqp_vhost() -> Iterator[str]:
    """The URL of a private virtual host on the local RabbitMQ, deleted afterwards."""
    vhost = f"koschei-test-{uuid.uuid4().hex[:12]}"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)
