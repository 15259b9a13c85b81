"""The AMQP side of ``watch-messages``: a queue bound to Koji's topics, consumed until told to
stop, and a new connection (with growing pauses) whenever the broker goes away.

pika's blocking connection is used rather than ``fedora_messaging.api.consume``: the loop
stays in the calling thread (so the handler uses that thread's database connection), it
can stop between messages, and reconnecting is ours to bound and log.  Messages are still
read as fedora-messaging writes them (``fedora_messaging.message.get_message``: schema
headers, message id, JSON body).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pika
import pika.exceptions
from fedora_messaging.exceptions import ValidationError
from fedora_messaging.message import get_message

from builds.messaging.consumer import MessageHandler, Outcome

log = logging.getLogger(__name__)

KOJI_TOPICS = ("task.state.change", "tag", "untag", "repo.done")


@dataclass
class QueueSpec:
    """The queue the watcher reads and how it is declared (production: durable, kept)."""

    name: str
    exchange: str = "amq.topic"
    durable: bool = True
    auto_delete: bool = False
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class Backoff:
    """Pauses between reconnection attempts: doubling from ``first`` up to ``longest``."""

    first: float = 1.0
    longest: float = 60.0
    current: float = 0.0

    def next(self) -> float:
        self.current = min(self.longest, self.current * 2 if self.current else self.first)
        return self.current

    def reset(self) -> None:
        self.current = 0.0


class Watcher:
    """Consumes Koji's messages from ``queue`` on ``amqp_url`` and hands them to ``handler``."""

    def __init__(
        self,
        *,
        amqp_url: str,
        queue: QueueSpec,
        topic_prefix: str,
        handler: MessageHandler | None = None,
        backoff: Backoff | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
        before_message: Callable[[], None] | None = None,
    ) -> None:
        self.amqp_url = amqp_url
        self.queue = queue
        self.topic_prefix = topic_prefix.rstrip(".")
        self.handler = handler or MessageHandler()
        self.backoff = backoff or Backoff()
        self.on_outcome = on_outcome
        self.before_message = before_message
        self.connections = 0
        self.handled = 0

    def run(self, should_stop: Callable[[], bool]) -> None:
        """Consume until ``should_stop()`` (checked at least twice a second), reconnecting."""
        while not should_stop():
            try:
                self._consume(should_stop)
            except pika.exceptions.AMQPError as exc:
                pause = self.backoff.next()
                log.warning("AMQP connection lost (%r); reconnecting in %.1f s", exc, pause)
                _sleep_unless(should_stop, pause)

    def _consume(self, should_stop: Callable[[], bool]) -> None:
        parameters = pika.URLParameters(self.amqp_url)
        parameters.client_properties = {"connection_name": f"koschei-watch-{self.queue.name}"}
        parameters.socket_timeout = 10
        parameters.blocked_connection_timeout = 30
        connection = pika.BlockingConnection(parameters)
        try:
            channel = connection.channel()
            self._declare(channel)
            self.connections += 1
            self.backoff.reset()
            log.info("consuming %s on %s", self.queue.name, parameters.host)
            for method, properties, body in channel.consume(
                self.queue.name, inactivity_timeout=0.5
            ):
                if should_stop():
                    break
                if method is None:
                    continue
                self._deliver(method.routing_key, properties, body)
                channel.basic_ack(method.delivery_tag)
        finally:
            if connection.is_open:
                connection.close()

    def _declare(self, channel: Any) -> None:
        spec = self.queue
        channel.queue_declare(
            spec.name,
            durable=spec.durable,
            auto_delete=spec.auto_delete,
            arguments=spec.arguments or None,
        )
        for topic in KOJI_TOPICS:
            channel.queue_bind(spec.name, spec.exchange, routing_key=f"{self.topic_prefix}.{topic}")
        channel.basic_qos(prefetch_count=20)

    def _deliver(self, routing_key: str, properties: Any, body: bytes) -> None:
        if self.before_message is not None:
            self.before_message()
        try:
            message = get_message(routing_key, properties, body)
        except ValidationError:
            outcome = self.handler.handle(None, routing_key, None)
        else:
            try:
                outcome = self.handler.handle(message.id, message.topic, message.body)
            except Exception as exc:  # the database, say: polling catches up, keep consuming
                log.exception("message %s %s: failed", message.id, message.topic)
                outcome = Outcome("failed", repr(exc))
        self.handled += 1
        if self.on_outcome is not None:
            self.on_outcome(outcome)


def _sleep_unless(should_stop: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not should_stop() and time.monotonic() < deadline:
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
