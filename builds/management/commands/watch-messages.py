"""watch-messages: consume Koji's bus messages and enqueue the matching task at once."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from builds.messaging.watcher import QueueSpec, Watcher


class Command(BaseCommand):
    help = (
        "Consume Koji's task state change, tag, untag and repo done messages from the AMQP "
        "broker (KOSCHEI_AMQP_URL) and enqueue sync_build, refresh_real_builds or "
        "check_new_repos at once; runs until SIGTERM/SIGINT and reconnects after broker loss."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue",
            default=settings.AMQP_QUEUE,
            help="durable queue to consume (default: KOSCHEI_AMQP_QUEUE or koschei-watcher)",
        )
        parser.add_argument("--exchange", default="amq.topic", help="exchange Koji publishes to")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            stop.set()

        signals = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, request_stop) for sig in signals}
        watcher = Watcher(
            amqp_url=settings.AMQP_URL,
            queue=QueueSpec(options["queue"], exchange=options["exchange"]),
            topic_prefix=settings.KOSCHEI["fedmsg"]["topic"],
            before_message=close_old_connections,
        )
        try:
            watcher.run(stop.is_set)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"stopped: messages={watcher.handled} connections={watcher.connections}")
