"""bench/scheduler's latency mode runs end to end at a tiny size, so that it does not rot.

The harness is run as ``make bench-scheduler`` would run it, on its own database, with
kojisim, RabbitMQ, watch-messages and qcluster; the test checks the figures are there and
what it left behind, never how long anything took.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pika
import pika.exceptions
import psycopg2
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 900  # the whole run, on busy shared cores


def _broker_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return False
    return True


def _figures(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def _drop(database: str) -> None:
    conn = psycopg2.connect(host="127.0.0.1", user="koschei", dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        conn.close()


def _queue_exists(name: str) -> bool:
    connection = pika.BlockingConnection(pika.URLParameters("amqp://guest:guest@127.0.0.1/%2F"))
    try:
        connection.channel().queue_declare(name, passive=True)
    except pika.exceptions.ChannelClosedByBroker:
        return False
    finally:
        if connection.is_open:
            connection.close()
    return True


def _processes_mentioning(*markers: bytes) -> list[int]:
    """Processes whose command line or environment holds one of ``markers``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                text = (entry / part).read_bytes()
            except OSError:
                continue
            if any(marker in text for marker in markers):
                found.append(int(entry.name))
                break
    return found


@pytest.fixture
def database():
    name = f"{settings.DATABASES['default']['TEST']['NAME'] or 'test_koschei'}_latency"
    yield name
    _drop(name)


def test_the_latency_mode_runs_at_a_tiny_size_and_leaves_nothing_running(database):
    if not _broker_up():
        pytest.skip("no AMQP broker on 127.0.0.1:5672")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOSCHEI_", "DJANGO_"))}
    args = ["--latency", "--sources", "200", "--changed", "20", "--database", database]
    done = subprocess.run(
        [sys.executable, "-m", "bench.scheduler", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = _figures(done.stdout)
    assert figures["sources"] == "200"
    assert figures["candidates_before"] == "0"
    assert int(figures["run_packages"]) > 0
    # a figure, whatever its value: the run measured it
    for name in ("resolution_s", "first_build_s", "latency_s"):
        float(figures[name])
    assert figures["target_latency_met"] in ("yes", "no")
    assert int(figures["scratch_builds"]) >= 1
    assert figures["first_build_package"]
    # what it started is gone: its processes (kojisim names the run's topic prefix, the
    # project's processes had the run's queue in their environment) and the durable queue
    prefix = next(
        line.split("topic prefix ", 1)[1].strip()
        for line in done.stderr.splitlines()
        if "topic prefix" in line
    )
    queue = "koschei-bench-" + prefix.split(".")[2]
    assert not _queue_exists(queue)
    assert _processes_mentioning(prefix.encode(), queue.encode()) == []
