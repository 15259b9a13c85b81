"""Koschei's own messages: ``<modname>.package.state.change`` and
``<modname>.collection.state.change`` with upstream's bodies (spec 2.1.6), sent when
``packages.signals`` reports a state change after commit.

Off unless ``fedmsg-publisher.enabled`` (upstream's default, so tests and development need
no broker).  Publishing never breaks the writer: the change is already committed, so a
broker that is down or slow (bounded timeouts) costs a WARNING and the message; after a
failed connection the publisher stays quiet for ``QUIET_SECONDS`` rather than wait on
every change.  Nothing is lost that matters: the web pages and polling read the database.
Messages are fedora-messaging messages (headers, id, JSON body) sent with publisher confirms
on the ``amq.topic`` exchange (fedora-messaging's own ``topic_prefix``, from its config file,
is put before the topic as it does); one connection per process and thread, made lazily.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import Any

import pika
import pika.exceptions
from django.conf import settings
from fedora_messaging.message import Message

from packages.models import Collection, Package, PackageGroup
from packages.signals import collection_state_changed, package_state_changed

log = logging.getLogger(__name__)

EXCHANGE = "amq.topic"
CONNECT_TIMEOUT = 3.0
QUIET_SECONDS = 30.0


class _Link(threading.local):
    """This thread's connection (a forked worker must not reuse its parent's socket)."""

    pid: int = 0
    url: str = ""
    connection: Any = None
    channel: Any = None
    quiet: tuple[str, float] = ("", 0.0)  # (broker URL, monotonic time) of the last failure


_link = _Link()


def enabled() -> bool:
    return bool(settings.KOSCHEI["fedmsg-publisher"].get("enabled"))


def package_body(package_id: int, previous: str, new: str) -> dict[str, Any] | None:
    """Upstream's PackageStateChange body, or None for a package deleted meanwhile."""
    package = Package.objects.select_related("collection").filter(pk=package_id).first()
    if package is None:
        return None
    collection = package.collection
    groups = PackageGroup.objects.filter(members=package.base_id).order_by("name", "namespace")
    return {
        "name": package.name,
        "old": previous,
        "new": new,
        "koji_instance": settings.KOSCHEI["fedmsg"]["instance"],
        "repo": collection.name,
        "collection": collection.name,
        "collection_name": collection.display_name,
        "groups": [group.full_name for group in groups],
    }


def collection_body(collection_id: int, previous: str, new: str) -> dict[str, Any] | None:
    """Upstream's CollectionStateChange body, or None for a collection deleted meanwhile."""
    collection = Collection.objects.filter(pk=collection_id).first()
    if collection is None:
        return None
    return {
        "old": previous,
        "new": new,
        "koji_instance": settings.KOSCHEI["fedmsg"]["instance"],
        "collection": collection.name,
        "collection_name": collection.display_name,
        "repo_id": collection.latest_repo_id,
    }


def on_package_state_changed(
    sender: Any, *, package_id: int, previous: str, new: str, **kwargs: Any
) -> None:
    """Receiver of ``package_state_changed`` (after commit)."""
    if enabled() and previous != new:
        body = package_body(package_id, previous, new)
        if body is not None:
            publish("package.state.change", body)


def on_collection_state_changed(
    sender: Any, *, collection_id: int, previous: str, new: str, **kwargs: Any
) -> None:
    """Receiver of ``collection_state_changed`` (after commit)."""
    if enabled() and previous != new:
        body = collection_body(collection_id, previous, new)
        if body is not None:
            publish("collection.state.change", body)


def connect() -> None:
    """Connect the receivers (from ``BuildsConfig.ready``)."""
    package_state_changed.connect(on_package_state_changed, dispatch_uid="koschei-publisher")
    collection_state_changed.connect(on_collection_state_changed, dispatch_uid="koschei-publisher")


def publish(kind: str, body: dict[str, Any]) -> bool:
    """Send ``<modname>.<kind>``; False (logged) when the broker did not take it."""
    topic = f"{settings.KOSCHEI['fedmsg-publisher']['modname']}.{kind}"
    url, until = _link.quiet
    if url == settings.AMQP_URL and time.monotonic() < until:
        log.debug("not publishing %s: the broker was unreachable", topic)
        return False
    message = Message(topic=topic, body=body)
    for attempt in (1, 2):  # a stale connection gets one fresh retry
        try:
            _channel().basic_publish(
                EXCHANGE,
                message._encoded_routing_key,
                message._encoded_body,
                message._properties,
            )
        except (pika.exceptions.AMQPError, OSError) as exc:
            _drop()
            if attempt == 2:
                _link.quiet = (settings.AMQP_URL, time.monotonic() + QUIET_SECONDS)
                log.warning(
                    "publishing %s failed (%r); not publishing for %d s, polling and the "
                    "web are unaffected",
                    topic,
                    exc,
                    QUIET_SECONDS,
                )
                return False
        else:
            log.info("published %s %s", topic, message.id)
            return True
    return False


def _channel() -> Any:
    fresh = _link.pid == os.getpid() and _link.url == settings.AMQP_URL
    if not fresh or _link.channel is None or not _link.channel.is_open:
        _drop()
        parameters = pika.URLParameters(settings.AMQP_URL)
        parameters.socket_timeout = CONNECT_TIMEOUT
        parameters.stack_timeout = CONNECT_TIMEOUT * 2
        parameters.blocked_connection_timeout = CONNECT_TIMEOUT * 2
        parameters.connection_attempts = 1
        _link.connection = pika.BlockingConnection(parameters)
        _link.channel = _link.connection.channel()
        _link.channel.confirm_delivery()
        _link.pid = os.getpid()
        _link.url = settings.AMQP_URL
    return _link.channel


def _drop() -> None:
    connection = _link.connection
    if connection is not None and _link.pid == os.getpid() and connection.is_open:
        with contextlib.suppress(pika.exceptions.AMQPError, OSError):
            connection.close()
    _link.connection = _link.channel = None
    _link.pid = 0
