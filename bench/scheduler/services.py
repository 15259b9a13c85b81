"""The running service of the latency benchmark: kojisim publishing Koji's messages to
RabbitMQ under a topic prefix of the run's own, ``manage.py watch-messages`` consuming
them, ``manage.py qcluster`` running the tasks, and a listener of the harness's own that
notes when each ``repo.done`` message arrives.

The prefix and the watcher's queue carry the harness's pid and a random part, so runs,
tests and demos sharing the broker never hear each other; the queue is deleted at the end.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pika
import pika.exceptions

from bench.resolution.data import ROOT
from bench.resolution.report import BenchError, note
from bench.resolution.stack import Stack

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
EXCHANGE = "amq.topic"  # where kojisim (fedora-messaging's default) publishes
WATCHER_READY_TIMEOUT = 60.0

# a passive declare of a queue not there yet is how its absence shows: not worth a WARNING
logging.getLogger("pika").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class Bus:
    """Where the run's messages go: the broker, the run's topic prefix and watcher queue."""

    url: str
    prefix: str
    queue: str

    @classmethod
    def private(cls, url: str = AMQP_URL) -> Bus:
        tag = secrets.token_hex(4)
        return cls(url, f"koschei.bench.{tag}.buildsys", f"koschei-bench-{tag}")

    def kojisim_options(self) -> list[str]:
        return ["--amqp", self.url, "--topic-prefix", self.prefix]

    def configure(self, stack: Stack) -> None:
        """The project's processes listen to the run's prefix and consume the run's queue."""
        config = Path(stack.env["KOSCHEI_CONFIG"])
        with open(config, "a") as handle:
            fedmsg = {"topic": self.prefix, "instance": "primary"}
            handle.write(f'config["fedmsg"] = {fedmsg!r}\n')
        stack.env.update({"KOSCHEI_AMQP_URL": self.url, "KOSCHEI_AMQP_QUEUE": self.queue})

    def connection(self) -> pika.BlockingConnection:
        parameters = pika.URLParameters(self.url)
        parameters.socket_timeout = 10
        try:
            return pika.BlockingConnection(parameters)
        except pika.exceptions.AMQPError as exc:
            raise BenchError(f"cannot reach RabbitMQ at {self.url}: {exc!r}") from None

    def queue_exists(self) -> bool:
        connection = self.connection()
        try:
            connection.channel().queue_declare(self.queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker:
            return False
        finally:
            if connection.is_open:
                connection.close()
        return True

    def delete_queue(self) -> None:
        """Drop the watcher's durable queue (never raises: this is the clean-up)."""
        with contextlib.suppress(Exception):
            connection = self.connection()
            try:
                connection.channel().queue_delete(self.queue)
            finally:
                if connection.is_open:
                    connection.close()


@dataclass
class RepoDoneListener:
    """A thread noting the arrival time of every ``<prefix>.repo.done`` message (its own
    exclusive queue, gone with its connection); bounded by ``stop()``."""

    bus: Bus
    arrivals: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    error: str | None = None

    def start(self, timeout: float = 30.0) -> None:
        self._thread = threading.Thread(target=self._run, name="repo-done", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self.error:
            raise BenchError(f"the repo.done listener did not start: {self.error}")

    def _run(self) -> None:
        try:
            connection = self.bus.connection()
        except BenchError as exc:
            self.error = str(exc)
            self._ready.set()
            return
        try:
            channel = connection.channel()
            queue = channel.queue_declare("", exclusive=True).method.queue
            channel.queue_bind(queue, EXCHANGE, routing_key=f"{self.bus.prefix}.repo.done")
            self._ready.set()
            for method, _properties, body in channel.consume(queue, inactivity_timeout=0.2):
                if self._stop.is_set():
                    break
                if method is None:
                    continue
                self.arrivals.append((time.time(), json.loads(body)))
                channel.basic_ack(method.delivery_tag)
        except Exception as exc:  # reported by the harness, never a hang
            self.error = repr(exc)
            self._ready.set()
        finally:
            if connection.is_open:
                connection.close()

    def arrival_of(self, repo_id: int) -> float | None:
        """When the repo.done of ``repo_id`` arrived (epoch seconds), or None."""
        for at, body in list(self.arrivals):
            if body.get("repo_id") == repo_id:
                return at
        return None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)


def start_services(stack: Stack, bus: Bus, workers: int) -> None:
    """``qcluster`` (``workers`` workers) and ``watch-messages``, in their own sessions;
    returns once the watcher's queue is bound."""
    env = {**stack.env, "KOSCHEI_WORKERS": str(workers), "KOSCHEI_LOG_LEVEL": "INFO"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    note(f"starting qcluster with {workers} workers and watch-messages")
    stack.procs.start("workers", [*manage, "qcluster"], env, stdout=None)
    watcher = stack.procs.start("watcher", [*manage, "watch-messages"], env, stdout=None)
    deadline = time.monotonic() + WATCHER_READY_TIMEOUT
    while not bus.queue_exists():
        if watcher.poll() is not None:
            raise BenchError(f"watch-messages exited; see {stack.workdir / 'watcher.log'}")
        if time.monotonic() > deadline:
            raise BenchError("watch-messages declared no queue in time")
        time.sleep(0.2)
