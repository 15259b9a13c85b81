"""bench/scheduler's latency mode runs end to end at a tiny size, so that it does not rot.

The harness is run as ``make bench-scheduler`` would run it, on its own database, with
kojisim, RabbitMQ, watch-messages and qcluster; the test checks the figures are there and
what it left behind, never how long anything took.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pika
import pika.exceptions
import pytest

from tests.integration.bench.harness import bench_database, run_bench


def _broker_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return False
    return True


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
    yield from bench_database("latency")


def test_the_latency_mode_runs_at_a_tiny_size_and_leaves_nothing_running(database):
    if not _broker_up():
        pytest.skip("no AMQP broker on 127.0.0.1:5672")
    args = ["--latency", "--sources", "200", "--changed", "20", "--database", database]
    done = run_bench("bench.scheduler", *args)
    figures = done.figures
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
