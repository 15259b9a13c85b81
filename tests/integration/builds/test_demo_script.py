"""scripts/demo (`make demo`) run twice in a row: each run starts from a fresh database, and
a demo maintainer logs in through the demo's OpenID provider."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import psycopg2
import pytest
import requests
from django.conf import settings

from tests.oidc import sign_in_at_provider

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 180  # seconds a run may take to resolve a repo on busy shared cores


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _query(database: str, sql: str, *args: object) -> list[tuple]:
    user = os.environ.get("KOSCHEI_DB_USER", "koschei")
    conn = psycopg2.connect(host="localhost", user=user, dbname=database)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def _resolved_since(database: str, since: datetime) -> list[tuple]:
    """Resolution runs finished since ``since``, with the collection's latest repo."""
    try:
        return _query(
            database,
            "SELECT r.repo_id, c.latest_repo_id FROM resolution_run r "
            "JOIN collection c ON c.id = r.collection_id "
            "WHERE r.state = 'done' AND r.started_at >= %s",
            since,
        )
    except psycopg2.Error:  # not created or migrated yet
        return []


def _log_in(site: str, username: str, password: str) -> str:
    """Log in to the running demo through its OpenID provider; the page it lands on."""
    with requests.Session() as browser:
        response = browser.get(f"{site}/login?next=/groups", allow_redirects=False, timeout=30)
        response = browser.get(urljoin(site, response.headers["Location"]), allow_redirects=False)
        callback = sign_in_at_provider(response.headers["Location"], username, password)
        return browser.get(callback, timeout=30).text


def _run_demo(
    env: dict[str, str], demo_dir: Path, started: datetime, *, log_in: bool = False
) -> tuple[list[tuple], str]:
    """Run scripts/demo until a repo has been resolved (and, if asked, log in through its
    OpenID provider), then stop it as Ctrl-C would."""
    output = demo_dir.parent / "demo.out"
    with open(output, "wb") as out:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "demo")], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    resolved: list[tuple] = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while not resolved and process.poll() is None and time.monotonic() < deadline:
            time.sleep(1)
            resolved = _resolved_since(env["DEMO_DB"], started)
        if log_in and resolved:
            page = _log_in(f"http://127.0.0.1:{env['DEMO_PORT']}", "alice", "alice")
            assert "New user &quot;alice&quot; was registered." in page, page[:3000]
    finally:
        process.send_signal(signal.SIGINT)  # the script's trap stops what it started
        process.wait(timeout=60)
    return resolved, output.read_text()


@pytest.fixture
def demo_env(tmp_path):
    database = f"{settings.DATABASES['default']['TEST']['NAME'] or 'test_koschei'}_demo"
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KOSCHEI_", "DEMO_", "DJANGO_"))
    }
    env = {
        **inherited,
        "DEMO_DB": database,
        "DEMO_DIR": str(tmp_path / "demo"),
        "DEMO_PORT": str(_free_port()),
        "DEMO_KOJI_PORT": str(_free_port()),
        "DEMO_OIDC_PORT": str(_free_port()),
    }
    yield env
    _query("postgres", f'DROP DATABASE IF EXISTS "{database}"')


def test_a_second_demo_run_starts_afresh_and_resolves_its_kojisims_repos(demo_env):
    demo_dir, database = Path(demo_env["DEMO_DIR"]), demo_env["DEMO_DB"]
    first, output = _run_demo(demo_env, demo_dir, datetime.now(UTC))
    assert first, output
    started = datetime.now(UTC)
    second, output = _run_demo(demo_env, demo_dir, started, log_in=True)
    assert second, output
    assert "Demo loaded from Koji" in output
    assert "demo: resolution runs done " in output  # the summary printed when it stops
    assert "Killed" not in output  # every process stopped on its own, none was SIGKILLed
    assert "has stopped" in (demo_dir / "workers.log").read_text()
    # Nothing is left of the first run, whose repo ids the new kojisim starts over.
    old_runs = "SELECT count(*) FROM resolution_run WHERE started_at < %s"
    assert _query(database, old_runs, started) == [(0,)]
    written = (demo_dir / "kojisim.log").read_text()
    for repo_id, latest_repo_id in second:
        assert f"repo {repo_id} of f43-build written" in written
        assert f"repo {latest_repo_id} of f43-build written" in written
    for log in ("workers.log", "messages.log", "kojisim.log", "web.log", "oidc-provider.log"):
        assert "Traceback" not in (demo_dir / log).read_text(), log
