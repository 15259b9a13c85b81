"""Messaging against a real RabbitMQ: Koji's messages (from kojisim and hand-made) enqueue
the right task, bad ones are acknowledged and logged, a dropped connection is survived, and
Koschei's own state changes reach the broker after commit (never after a rollback).

Each module gets its own RabbitMQ virtual host (``rabbitmqctl``), so kojisims and queues of
other test runs on the same broker never reach these queues; queue names are unique too.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid

import pika
import pytest
from django.core.management import call_command
from django.db import transaction
from django_q.conf import Conf
from django_q.models import OrmQ
from fedora_messaging.message import Message

from builds.messaging.consumer import (
    CHECK_NEW_REPOS,
    REFRESH_REAL_BUILDS,
    REFRESH_REPO_MAPPINGS,
    SYNC_BUILD,
)
from builds.messaging.watcher import KOJI_TOPICS, Backoff, QueueSpec, Watcher
from packages.signals import send_collection_state_after_commit, send_package_states_after_commit
from tests.factories import make_build, make_collection, make_group, make_package

PREFIX = "org.fedoraproject.prod.buildsys"
FOO = "../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm"


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def amqp_url():
    """A private virtual host on the local broker, deleted afterwards."""
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        pytest.skip("no AMQP broker on 127.0.0.1:5672")
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is needed to make a private virtual host")
    vhost = f"koschei-test-{uuid.uuid4().hex[:12]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}", vhost
    _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def koji_queue(amqp_url):
    """A queue bound to Koji's topics before anything is sent, as the watcher declares it."""
    url, _vhost = amqp_url
    spec = QueueSpec(f"watch-{uuid.uuid4().hex}", durable=False, arguments={"x-expires": 300000})
    with _channel(url) as channel:
        channel.queue_declare(spec.name, durable=False, arguments=spec.arguments)
        for topic in KOJI_TOPICS:
            channel.queue_bind(spec.name, spec.exchange, routing_key=f"{PREFIX}.{topic}")
    yield spec
    with _channel(url) as channel:
        channel.queue_delete(spec.name)


@pytest.fixture
def queued_tasks(monkeypatch):
    """Tasks go to django-q2's ORM queue (tests run them in-process otherwise); returns a
    function listing them as (function name, args)."""
    monkeypatch.setattr(Conf, "SYNC", False)

    def queued():
        return [(t.task["func"], t.task["args"]) for t in OrmQ.objects.order_by("pk")]

    return queued


class _channel:
    def __init__(self, url):
        self.connection = pika.BlockingConnection(pika.URLParameters(url))

    def __enter__(self):
        return self.connection.channel()

    def __exit__(self, *exc):
        self.connection.close()


def send(url, topic, body, message_id=None):
    """Publish one fedora-messaging message (or raw bytes) to amq.topic."""
    with _channel(url) as channel:
        if isinstance(body, bytes):
            properties = pika.BasicProperties(content_type="application/json", headers={})
            channel.basic_publish("amq.topic", topic, body, properties)
            return
        message = Message(topic=topic, body=body)
        if message_id is not None:
            message.id = message_id
        channel.basic_publish("amq.topic", topic, message._encoded_body, message._properties)


def watch(url, spec, count, timeout=60.0, **kwargs):
    """Run a watcher until it has handled ``count`` messages (or the time is up)."""
    outcomes = []
    deadline = time.monotonic() + timeout
    watcher = Watcher(
        amqp_url=url, queue=spec, topic_prefix=PREFIX, on_outcome=outcomes.append, **kwargs
    )
    watcher.run(lambda: len(outcomes) >= count or time.monotonic() > deadline)
    return watcher, outcomes


def koji_body(**fields):
    return {"instance": "primary", "base_url": "http://127.0.0.1", **fields}


def test_task_state_changes_from_koji_enqueue_sync_build(
    kojisim_server, amqp_url, koji_queue, queued_tasks, db
):
    url, _vhost = amqp_url
    server = kojisim_server(None, speed=0.0, extra=["--amqp", url])
    session = server.session("koschei")
    task_id = session.build(FOO, "f42", {"scratch": True})
    make_build(make_package("foo", make_collection("f42")), task_id=task_id, state=2)
    server.sim("finishTasks", [task_id])
    _watcher, outcomes = watch(url, koji_queue, 2)
    assert [o.kind for o in outcomes] == ["enqueued", "enqueued"]
    assert queued_tasks() == [(SYNC_BUILD, (task_id,)), (SYNC_BUILD, (task_id,))]


def test_a_tag_into_a_dest_tag_enqueues_a_refresh_per_collection(
    kojisim_server, amqp_url, koji_queue, queued_tasks, db
):
    url, _vhost = amqp_url
    first, second = make_collection("f42"), make_collection("f42-side", dest_tag="f42")
    make_collection("f43")
    server = kojisim_server(None, speed=0.0, extra=["--amqp", url])
    server.sim("newBuild", "bar", {"version": "2.9"})
    _watcher, outcomes = watch(url, koji_queue, 1)
    assert outcomes[0].kind == "enqueued"
    refreshes = [(REFRESH_REAL_BUILDS, (pk, "bar")) for pk in (first.pk, second.pk)]
    assert queued_tasks() == refreshes


def test_a_repo_done_for_a_build_tag_enqueues_the_repo_check(
    kojisim_server, amqp_url, koji_queue, queued_tasks, db
):
    url, _vhost = amqp_url
    make_collection("f42")
    server = kojisim_server(None, speed=0.0, extra=["--amqp", url])
    server.sim("regenRepo", "f42-build")
    _watcher, outcomes = watch(url, koji_queue, 1)
    assert [o.kind for o in outcomes] == ["enqueued"]
    assert queued_tasks() == [(CHECK_NEW_REPOS, ())]


def test_a_repo_done_enqueues_the_repo_mappings_of_secondary_mode_collections(
    amqp_url, koji_queue, queued_tasks, db
):
    url, _vhost = amqp_url
    secondary = make_collection("s42", build_tag="f42-build", secondary_mode=True)
    send(url, f"{PREFIX}.repo.done", koji_body(tag="f42-build", repo_id=3))
    watch(url, koji_queue, 1)
    # the primary's repos are none of a secondary-mode collection's repos to resolve
    assert queued_tasks() == [(REFRESH_REPO_MAPPINGS, (secondary.pk,))]
    make_collection("f42")
    send(url, f"{PREFIX}.repo.done", koji_body(tag="f42-build", repo_id=4))
    watch(url, koji_queue, 1)
    assert queued_tasks()[-2:] == [(CHECK_NEW_REPOS, ()), (REFRESH_REPO_MAPPINGS, (secondary.pk,))]


def test_an_untag_enqueues_a_refresh(amqp_url, koji_queue, queued_tasks, db):
    url, _vhost = amqp_url
    collection = make_collection("f42")
    send(url, f"{PREFIX}.untag", koji_body(tag="f42", name="foo", version="1", release="1"))
    watch(url, koji_queue, 1)
    assert queued_tasks() == [(REFRESH_REAL_BUILDS, (collection.pk, "foo"))]


def test_bad_unknown_and_duplicate_messages_are_acked_logged_and_the_watcher_goes_on(
    amqp_url, koji_queue, queued_tasks, db, caplog
):
    url, _vhost = amqp_url
    collection = make_collection("f42")
    make_build(make_package("foo", collection), task_id=4242, state=2)
    tag = koji_body(tag="f42", name="foo", version="1", release="1")
    send(url, f"{PREFIX}.tag", b"{not json")
    send(url, f"{PREFIX}.tag", koji_body(name="foo"))  # no tag
    send(url, f"{PREFIX}.task.state.change", koji_body(attribute="state", id="x", new="OPEN"))
    send(url, f"{PREFIX}.tag", tag, message_id="same-id")
    send(url, f"{PREFIX}.tag", tag, message_id="same-id")
    send(url, f"{PREFIX}.tag", koji_body(tag="f99", name="x", version="1", release="1"))
    send(url, f"{PREFIX}.repo.done", koji_body(tag="elsewhere-build", repo_id=3))
    send(url, f"{PREFIX}.task.state.change", koji_body(attribute="state", id=99, new="OPEN"))
    send(url, f"{PREFIX}.tag", {**tag, "instance": "secondary"})
    send(url, f"{PREFIX}.task.state.change", koji_body(attribute="state", id=4242, new="CLOSED"))
    with caplog.at_level(logging.DEBUG, logger="builds.messaging"):
        _watcher, outcomes = watch(url, koji_queue, 10)
    assert [o.kind for o in outcomes] == [
        "malformed",
        "malformed",
        "malformed",
        "enqueued",
        "duplicate",
        *["ignored"] * 4,
        "enqueued",
    ]
    assert queued_tasks() == [(REFRESH_REAL_BUILDS, (collection.pk, "foo")), (SYNC_BUILD, (4242,))]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len([r for r in warnings if "malformed" in r.getMessage()]) == 3
    assert any("duplicate" in r.getMessage() for r in caplog.records)
    with _channel(url) as channel:  # everything was acknowledged
        assert channel.queue_declare(koji_queue.name, passive=True).method.message_count == 0


def test_the_watcher_reconnects_after_the_broker_drops_its_connection(
    amqp_url, koji_queue, queued_tasks, db, caplog
):
    url, vhost = amqp_url
    collection = make_collection("f42")
    handled = []

    # The drop comes before the first message is acknowledged: the broker delivers it again
    # on the new connection, and the watcher knows its id.
    def drop_after_first(outcome):
        handled.append(outcome)
        if len(handled) == 1:
            _rabbitmqctl("close_all_connections", "--vhost", vhost, "test drop")
            send(url, f"{PREFIX}.untag", koji_body(tag="f42", name="b", version="1", release="1"))

    send(url, f"{PREFIX}.tag", koji_body(tag="f42", name="a", version="1", release="1"))
    deadline = time.monotonic() + 60
    watcher = Watcher(
        amqp_url=url,
        queue=koji_queue,
        topic_prefix=PREFIX,
        backoff=Backoff(first=0.1, longest=1.0),
        on_outcome=drop_after_first,
    )
    with caplog.at_level(logging.WARNING, logger="builds.messaging"):
        watcher.run(lambda: len(handled) >= 3 or time.monotonic() > deadline)
    assert [o.kind for o in handled] == ["enqueued", "duplicate", "enqueued"]
    assert watcher.connections >= 2
    assert any("reconnecting" in r.getMessage() for r in caplog.records)
    assert queued_tasks() == [(REFRESH_REAL_BUILDS, (collection.pk, name)) for name in "ab"]


# -- the publisher ----------------------------------------------------------------------------


@pytest.fixture
def published(amqp_url, settings):
    """Publishing on, to the private virtual host; returns a function reading what arrived."""
    url, _vhost = amqp_url
    config = copy.deepcopy(settings.KOSCHEI)
    config["fedmsg-publisher"]["enabled"] = True
    settings.KOSCHEI = config
    settings.AMQP_URL = url
    name = f"koschei-out-{uuid.uuid4().hex}"
    holder = pika.BlockingConnection(pika.URLParameters(url))
    channel = holder.channel()
    channel.queue_declare(name, exclusive=True, auto_delete=True)
    channel.queue_bind(name, "amq.topic", routing_key="koschei.#")

    def received(count, timeout=10.0):
        messages = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(messages) < count:
            method, _properties, body = channel.basic_get(name, auto_ack=True)
            if method is None:
                time.sleep(0.05)
                continue
            messages.append((method.routing_key, json.loads(body)))
        return messages

    yield received
    holder.close()


@pytest.mark.django_db(transaction=True)
def test_state_changes_are_published_with_upstreams_bodies_after_commit(published):
    collection = make_collection("f42", latest_repo_id=77, latest_repo_resolved=True)
    package = make_package("foo", collection)
    make_group("ns/zeta", members=("foo",))
    make_group("alpha", members=("foo",))
    with transaction.atomic():
        send_package_states_after_commit([(package.pk, "ok", "failing")])
        send_collection_state_after_commit(collection.pk, "unknown", "ok")
        assert published(1, timeout=0.5) == []  # nothing before the commit
    assert published(2) == [
        (
            "koschei.package.state.change",
            {
                "name": "foo",
                "old": "ok",
                "new": "failing",
                "koji_instance": "primary",
                "repo": "f42",
                "collection": "f42",
                "collection_name": "Fedora f42",
                "groups": ["alpha", "ns/zeta"],
            },
        ),
        (
            "koschei.collection.state.change",
            {
                "old": "unknown",
                "new": "ok",
                "koji_instance": "primary",
                "collection": "f42",
                "collection_name": "Fedora f42",
                "repo_id": 77,
            },
        ),
    ]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_published_for_a_rolled_back_transaction(published):
    collection = make_collection("f42")
    package = make_package("foo", collection)
    with pytest.raises(RuntimeError), transaction.atomic():
        send_package_states_after_commit([(package.pk, "ok", "failing")])
        send_collection_state_after_commit(collection.pk, "unknown", "ok")
        raise RuntimeError("roll back")
    send_package_states_after_commit([(package.pk, "failing", "ok")])  # a later change arrives
    assert [body["new"] for _topic, body in published(2, timeout=3)] == ["ok"]


@pytest.mark.django_db(transaction=True)
def test_publishing_is_off_unless_enabled(published, settings):
    config = copy.deepcopy(settings.KOSCHEI)
    config["fedmsg-publisher"]["enabled"] = False
    settings.KOSCHEI = config
    collection = make_collection("f42")
    send_collection_state_after_commit(collection.pk, "unknown", "ok")
    assert published(1, timeout=1) == []


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_does_not_break_the_writer(settings, caplog):
    config = copy.deepcopy(settings.KOSCHEI)
    config["fedmsg-publisher"]["enabled"] = True
    settings.KOSCHEI = config
    with socket.socket() as unused:  # a loopback port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.AMQP_URL = f"amqp://guest:guest@127.0.0.1:{port}/%2F"
    collection = make_collection("f42")
    package = make_package("foo", collection)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="builds.messaging"), transaction.atomic():
        send_package_states_after_commit([(package.pk, "ok", "failing"), (package.pk, "a", "b")])
    assert time.monotonic() - started < 30
    failures = [r for r in caplog.records if "publishing" in r.getMessage()]
    assert len(failures) == 1  # the second change is not even tried while the broker is down


# transaction=True: the command closes obsolete database connections before each message,
# which would end a test's wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_watch_messages_command_consumes_until_sigterm(amqp_url, queued_tasks, settings):
    url, _vhost = amqp_url
    settings.AMQP_URL = url
    collection = make_collection("f42")
    name = f"watch-cmd-{uuid.uuid4().hex}"
    with _channel(url) as channel:  # as the command declares it: durable, kept
        channel.queue_declare(name, durable=True)
        channel.queue_bind(name, "amq.topic", routing_key=f"{PREFIX}.tag")
    send(url, f"{PREFIX}.tag", koji_body(tag="f42", name="a", version="1", release="1"))

    def stop_when_consumed():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with _channel(url) as channel:
                state = channel.queue_declare(name, passive=True).method
            if state.message_count == 0 and state.consumer_count == 1:
                break
            time.sleep(0.2)
        time.sleep(0.5)  # the delivered message is handled and acknowledged meanwhile
        os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_when_consumed)
    stopper.start()
    out = io.StringIO()
    try:
        call_command("watch-messages", "--queue", name, stdout=out)
    finally:
        stopper.join()
        with _channel(url) as channel:
            channel.queue_delete(name)
    assert out.getvalue().strip() == "stopped: messages=1 connections=1"
    assert queued_tasks() == [(REFRESH_REAL_BUILDS, (collection.pk, "a"))]
