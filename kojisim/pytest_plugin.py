"""pytest fixtures that run kojisim as a subprocess on loopback.

``tests/kojisim/conftest.py`` re-exports them; other test trees can enable them with
``pytest_plugins = ["kojisim.pytest_plugin"]`` in their root conftest.

- ``kojisim_server(scenario=None, **options)`` is a factory: without a scenario it returns the
  session-wide server of ``kojisim/scenarios/small.yaml`` (frozen clock, shared: do not
  change it in ways other tests would notice); with a scenario path (or a repo directory) it
  starts a private server that is stopped when the test ends.
- ``kojisim_fresh`` is a private server of the small scenario for tests that change things.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import koji
import pytest

SMALL_SCENARIO = Path(__file__).parent / "scenarios" / "small.yaml"
START_TIMEOUT = 90.0


@dataclass
class KojisimServer:
    """A running simulator and handy ways to talk to it."""

    url: str
    topurl: str
    weburl: str
    state_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    #: extra ClientSession options (e.g. ``serverca`` for a TLS server)
    client_opts: dict[str, Any] = field(default_factory=dict)
    _sessions: list[koji.ClientSession] = field(default_factory=list)

    def session(
        self, user: str | None = None, password: str | None = None, **opts: Any
    ) -> koji.ClientSession:
        """A koji ClientSession (logged in when a user is given)."""
        options = {
            "max_retries": 2,
            "retry_interval": 0.05,
            "timeout": 30,
            **self.client_opts,
            **opts,
        }
        if user is not None:
            options.update(user=user, password=password or user)
        session = koji.ClientSession(self.url, opts=options)
        if user is not None:
            session.login()
        self._sessions.append(session)
        return session

    def sim(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a ``sim.*`` method (``method`` without the prefix)."""
        session = koji.ClientSession(self.url, opts={"timeout": 60, **self.client_opts})
        try:
            return session.callMethod(f"sim.{method}", *args, **kwargs)
        finally:
            session.rsession.close()

    def koji_config(self, directory: Path, profile: str = "kojisim") -> Path:
        """A koji CLI configuration file naming this hub and its topurl."""
        path = directory / "koji.conf"
        path.write_text(
            f"[{profile}]\nserver = {self.url}\ntopurl = {self.topurl}\nweburl = {self.weburl}\n"
            "authtype = password\nmax_retries = 1\n"
        )
        return path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        for session in self._sessions:
            session.rsession.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_kojisim(
    scenario: Path,
    state_dir: Path,
    speed: float = 0.0,
    seed: int | None = None,
    extra: list[str] | None = None,
    client_opts: dict[str, Any] | None = None,
) -> KojisimServer:
    """Start ``python -m kojisim`` on a free loopback port and wait until the hub answers."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir.parent / f"{state_dir.name}.log"
    cmd = [
        sys.executable,
        "-m",
        "kojisim",
        "--scenario",
        str(scenario),
        "--port",
        "0",
        "--state-dir",
        str(state_dir),
        "--speed",
        str(speed),
        "--log-level",
        "DEBUG",
        *(extra or []),
    ]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, env=env)  # noqa: S603
    url = _read_url(process, log_path)
    base = url.rsplit("/", 1)[0]
    server = KojisimServer(
        url,
        f"{base}/kojifiles",
        f"{base}/koji",
        state_dir,
        process,
        log_path,
        dict(client_opts or {}),
    )
    _wait_ready(server)
    return server


def _read_url(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    if process.stdout is None:
        raise RuntimeError("kojisim's stdout is not captured")
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline().decode()
            if "listening on" in line:
                return line.strip().rsplit(" ", 1)[-1]
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"kojisim did not start:\n{log_path.read_text(errors='replace')[-4000:]}")


def _wait_ready(server: KojisimServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    session = koji.ClientSession(server.url, opts={"timeout": 10, **server.client_opts})
    try:
        while time.monotonic() < deadline:
            try:
                if session.getAPIVersion() == koji.API_VERSION:
                    return
            except Exception:  # not up yet
                time.sleep(0.1)
    finally:
        session.rsession.close()
    server.stop()
    raise RuntimeError(f"kojisim did not answer:\n{server.log()[-4000:]}")


@pytest.fixture(scope="session")
def kojisim_small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KojisimServer]:
    """The shared server of the small scenario (frozen clock)."""
    server = start_kojisim(SMALL_SCENARIO, tmp_path_factory.mktemp("kojisim-small") / "state")
    yield server
    server.stop()


@pytest.fixture
def kojisim_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., KojisimServer]]:
    """Factory: ``kojisim_server()`` is the shared small server, ``kojisim_server(path)`` own."""
    started: list[KojisimServer] = []

    def factory(scenario: Path | str | None = None, **options: Any) -> KojisimServer:
        if scenario is None and not options:
            shared: KojisimServer = request.getfixturevalue("kojisim_small")
            return shared
        state = tmp_path_factory.mktemp("kojisim") / "state"
        server = start_kojisim(Path(scenario or SMALL_SCENARIO), state, **options)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def kojisim_fresh(kojisim_server: Callable[..., KojisimServer]) -> KojisimServer:
    """A private small-scenario server for tests that change the simulated Koji."""
    return kojisim_server(SMALL_SCENARIO, speed=0.0)
