"""End to end, through the running services only: a new build of a library lands in Koji,
and the service finds its dependents, builds them and reports the one that breaks.

kojisim (publishing Koji's messages to a private RabbitMQ virtual host), a
``manage.py qcluster`` running the synced schedules and ``manage.py watch-messages`` run as
subprocesses on the test database.  After the set-up (a collection resolved and its real
builds' dependencies known, all in the test process), the test only changes Koji and
watches: bar 3.0 is tagged; kojisim makes a new repo by itself; the repo check, the
resolution, the scheduler, the build sync and the build resolver are the services' own
work; the scenario's rule fails foo against bar 3.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pika
import pytest
import yaml
from django.core.management import call_command

from builds.models import Build
from kojisim.pytest_plugin import SMALL_SCENARIO
from packages.models import Collection, Package
from packages.states import BuildState
from resolution.models import AppliedChange, ResolutionRun, RunState
from tests.conftest import use_kojisim
from tests.services import (
    Host,
    amqp_available,
    amqp_vhost,
    deployment,
    service_env,
    wait_for,
    write_config,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not amqp_available(), reason="needs RabbitMQ on 127.0.0.1 and rabbitmqctl"),
]

SPEED = 20  # simulated seconds per second: a build takes a few seconds, a new repo one
TIMEOUT = 240  # the scheduler's schedule runs once a minute


def scenario_starting_now(directory: Path) -> Path:
    """The small scenario with its clock starting now, so that its builds are recent and
    no package is due for a rebuild by time alone."""
    data = yaml.safe_load(SMALL_SCENARIO.read_text())
    data["start"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = directory / "small-now.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def amqp_url() -> Iterator[str]:
    with amqp_vhost() as url:
        yield url


@pytest.fixture
def hub(kojisim_server, amqp_url, settings, tmp_path):
    """kojisim on a running clock, publishing to the private virtual host, as the Koji."""
    server = kojisim_server(
        scenario_starting_now(tmp_path), speed=SPEED, extra=["--amqp", amqp_url]
    )
    config = copy.deepcopy(use_kojisim(settings, server))
    config["directories"]["cachedir"] = str(tmp_path / "test-cache")
    settings.KOSCHEI = config
    return server


@pytest.fixture
def f42(hub, sudo_user):
    """Collection f42 as it stands before the change: resolved, every real build's
    dependencies known, every package ok."""
    call_command("create-collection", "f42", "-d", "Fedora 42", "-t", "f42", "--dest-tag", "f42")
    call_command("refresh-packages", "f42")
    Package.objects.filter(collection__name="f42", blocked=False).update(tracked=True)
    call_command("refresh-builds", "f42")
    call_command("resolve-repo", "f42")
    call_command("resolve-builds", "f42")
    return Collection.objects.get(name="f42")


@pytest.fixture
def koschei_messages(amqp_url) -> Iterator[Any]:
    """A queue bound to Koschei's own topics; returns a function draining it."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    name = f"koschei-out-{uuid.uuid4().hex}"
    channel.queue_declare(name, exclusive=True, auto_delete=True)
    channel.queue_bind(name, "amq.topic", routing_key="koschei.#")

    def drain() -> list[tuple[str, dict[str, Any]]]:
        messages = []
        while True:
            method, _properties, body = channel.basic_get(name, auto_ack=True)
            if method is None:
                return messages
            messages.append((method.routing_key, json.loads(body)))

    yield drain
    connection.close()


@pytest.fixture
def services(hub, amqp_url, tmp_path) -> Iterator[Host]:
    """One host running the schedules' workers and the message consumer."""
    config = write_config(tmp_path / "koschei.cfg", hub, {"fedmsg-publisher": {"enabled": True}})
    env = service_env(
        config,
        KOSCHEI_AMQP_URL=amqp_url,
        KOSCHEI_AMQP_QUEUE=f"koschei-watcher-{uuid.uuid4().hex[:8]}",
    )
    with deployment(tmp_path / "hosts", env) as running:
        yield running.host("backend")


def start(host: Host) -> None:
    """What a backend host runs at start: the schedules synced, workers and consumer."""
    host.run("sync-schedules")
    host.start("qcluster")
    host.start("watch-messages")
    wait_for(
        lambda: " running." in host.log("qcluster") and "consuming" in host.log("watch-messages"),
        timeout=120,
        what="the workers and the message consumer",
        diagnose=host.logs,
    )


def scratch_builds() -> list[tuple[str, int]]:
    return list(Build.objects.filter(real=False).values_list("package__name", "state"))


def states(collection: Collection) -> dict[str, str]:
    packages = Package.objects.filter(collection=collection, tracked=True, blocked=False)
    return {p.name: p.state_string for p in packages}


def test_a_library_update_rebuilds_its_dependents_and_reports_the_one_that_breaks(
    f42, hub, services, koschei_messages
):
    before = states(f42)
    assert before["foo"] == "ok" and before["bar"] == "ok"
    first_repo = f42.latest_repo_id
    start(services)

    hub.sim("newBuild", "bar", {"version": "3.0", "release": "1.fc42"})  # tagged into f42

    def foo_failed_and_resolved() -> bool:
        build = Build.objects.filter(package__name="foo", real=False).first()
        return (
            build is not None
            and build.state == BuildState.FAILED
            and AppliedChange.objects.filter(build=build).exists()
        )

    wait_for(
        foo_failed_and_resolved,
        timeout=TIMEOUT,
        what="foo built against bar 3.0, failed and its dependencies resolved",
        interval=1,
        diagnose=lambda: services.logs() + "\n--- kojisim\n" + hub.log()[-3000:],
    )

    # Koji's new repo was found and resolved once, by the services
    f42.refresh_from_db()
    assert f42.latest_repo_id > first_repo and f42.latest_repo_resolved
    runs = ResolutionRun.objects.filter(collection=f42, repo_id=f42.latest_repo_id)
    assert list(runs.values_list("state", flat=True)) == [RunState.DONE]
    # bar 3.0 was registered as bar's real build
    assert Build.objects.get(package__name="bar", real=True, version="3.0").state == (
        BuildState.COMPLETE
    )
    # only foo depends on bar: it alone was rebuilt, and Koji failed it by the rule
    assert scratch_builds() == [("foo", BuildState.FAILED)]
    foo_build = Build.objects.get(package__name="foo", real=False)
    assert hub.session().getTaskInfo(foo_build.task_id)["state"] == 5  # Koji's FAILED
    changes = {
        c.dep_name: (c.prev_dep.evr if c.prev_dep else None, c.curr_dep.evr, c.distance)
        for c in AppliedChange.objects.filter(build=foo_build).select_related(
            "prev_dep", "curr_dep"
        )
    }
    assert changes["bar-devel"][:2] == ("2.0-1.fc42", "3.0-1.fc42")
    assert changes["bar-devel"][2] == 1
    assert changes["bar"][:2] == ("2.0-1.fc42", "3.0-1.fc42")

    after = states(f42)
    assert after == {**before, "foo": "failing"}
    received: list[tuple[str, dict[str, Any]]] = []

    def package_messages() -> list[tuple[str, str, str, str]]:
        received.extend(koschei_messages())
        return [
            (body["name"], body["old"], body["new"], body["collection"])
            for topic, body in received
            if topic == "koschei.package.state.change"
        ]

    wait_for(package_messages, timeout=30, what="Koschei's package state change message")
    assert package_messages() == [("foo", "ok", "failing", "f42")]
