"""Koji bus messages: the in-memory log always, and AMQP through fedora-messaging."""

from __future__ import annotations

import json
import socket
import time
import uuid

import koji
import pika
import pytest

FOO = "../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def test_scratch_build_state_changes_are_announced(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    task_id = session.build(FOO, "f42", {"scratch": True})
    kojisim_fresh.sim("finishTasks", [task_id])
    messages = [
        m
        for m in kojisim_fresh.sim("listMessages", "task.state.change")
        if m["body"]["id"] == task_id
    ]
    assert [(m["body"]["old"], m["body"]["new"]) for m in messages] == [
        ("FREE", "OPEN"),
        ("OPEN", "CLOSED"),
    ]
    body = messages[-1]["body"]
    assert messages[-1]["topic"] == "org.fedoraproject.prod.buildsys.task.state.change"
    assert body["attribute"] == "state"
    assert body["method"] == "build"
    assert body["parent"] is None
    assert body["owner"] == "koschei"
    assert body["srpm"] == "foo-1.0-1.fc42.src.rpm"
    assert body["instance"] == "primary"
    assert body["info"]["request"] == [FOO, "f42", {"scratch": True}]
    session.rsession.close()


def test_real_builds_and_subtasks_are_not_announced_as_task_changes(kojisim_fresh):
    session = kojisim_fresh.session("koschei")
    failed = kojisim_fresh.sim("newBuild", "foo", {"version": "3", "failed": True})
    task_id = session.build(f"../packages/foo/3/1.fc42/src/{failed['nvr']}.src.rpm", "f42")
    kojisim_fresh.sim("finishTasks", [task_id])
    assert all(
        m["body"]["id"] != task_id for m in kojisim_fresh.sim("listMessages", "task.state.change")
    )
    tag = kojisim_fresh.sim("listMessages", "buildsys.tag")[-1]["body"]
    assert {k: tag[k] for k in ("tag", "name", "version", "release", "owner", "instance")} == {
        "tag": "f42",
        "name": "foo",
        "version": "3",
        "release": "1.fc42",
        "owner": "releng",
        "instance": "primary",
    }
    session.rsession.close()


def _broker_up():
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def queue():
    if not _broker_up():
        pytest.skip("no AMQP broker on 127.0.0.1:5672")
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    channel = connection.channel()
    name = f"kojisim-test-{uuid.uuid4().hex}"
    channel.queue_declare(name, exclusive=True, auto_delete=True)
    channel.queue_bind(name, "amq.topic", routing_key="org.fedoraproject.prod.buildsys.#")
    yield channel, name
    connection.close()


def _receive(channel, name, count, timeout=30.0):
    received = []
    deadline = time.monotonic() + timeout
    while len(received) < count and time.monotonic() < deadline:
        method, _properties, body = channel.basic_get(name, auto_ack=True)
        if method is None:
            time.sleep(0.1)
            continue
        received.append((method.routing_key, json.loads(body)))
    return received


def test_messages_reach_rabbitmq_through_fedora_messaging(kojisim_server, queue):
    channel, name = queue
    server = kojisim_server(None, speed=0.0, extra=["--amqp", AMQP_URL])
    session = server.session("koschei")
    task_id = session.build(FOO, "f42", {"scratch": True})
    server.sim("finishTasks", [task_id])
    server.sim("newBuild", "bar", {"version": "2.9"})
    received = _receive(channel, name, 3)
    topics = [topic for topic, _body in received]
    assert topics == [
        "org.fedoraproject.prod.buildsys.task.state.change",
        "org.fedoraproject.prod.buildsys.task.state.change",
        "org.fedoraproject.prod.buildsys.tag",
    ]
    assert received[1][1]["new"] == koji.TASK_STATES[koji.TASK_STATES["CLOSED"]]
    assert received[2][1]["name"] == "bar"
    session.rsession.close()


def test_a_topic_prefix_of_its_own_keeps_a_simulators_messages_apart(kojisim_server, queue):
    """The default prefix's queue hears nothing of a simulator with its own prefix."""
    channel, name = queue
    prefix = f"sim.test.{uuid.uuid4().hex[:8]}.buildsys"
    own = f"kojisim-prefixed-{uuid.uuid4().hex}"
    channel.queue_declare(own, exclusive=True, auto_delete=True)
    channel.queue_bind(own, "amq.topic", routing_key=f"{prefix}.#")
    server = kojisim_server(None, speed=0.0, extra=["--amqp", AMQP_URL, "--topic-prefix", prefix])
    server.sim("newBuild", "bar", {"version": "2.9"})
    assert [m["topic"] for m in server.sim("listMessages", "tag")] == [f"{prefix}.tag"]
    received = _receive(channel, own, 1)
    assert [topic for topic, _body in received] == [f"{prefix}.tag"]
    # other simulators on the broker may use the default prefix: none of it is ours
    ours = received[0][1]["base_url"]
    heard = _receive(channel, name, 100, timeout=2.0)
    assert [body for _topic, body in heard if body.get("base_url") == ours] == []
