"""scripts/container-entrypoint: the image's one entry point runs the part it is told to."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from django_q.models import Schedule

from koschei_site.schedules import PREFIX, SCHEDULES
from tests.services import (
    ROOT,
    Host,
    amqp_available,
    amqp_vhost,
    deployment,
    service_env,
    wait_for,
    write_config,
)

ENTRYPOINT = str(ROOT / "scripts" / "container-entrypoint")


def entrypoint(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHON": sys.executable,
        "KOSCHEI_DEBUG": "1",
        "KOSCHEI_CONFIG": "",
    }
    return subprocess.run(
        [ENTRYPOINT, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    "args", [(), ("frontend",), ("admin",), ("workers", "--extra"), ("web", "now")]
)
def test_a_part_it_does_not_know_is_a_one_line_usage_error(args):
    result = entrypoint(*args)
    assert result.returncode == 2
    assert result.stderr == (
        "usage: container-entrypoint web | workers | consumer | admin COMMAND [ARGS...]\n"
    )


def test_admin_runs_one_operator_command():
    result = entrypoint("admin", "koschei-config")
    assert result.returncode == 0, result.stderr
    assert "koji_config" in result.stdout


@pytest.fixture
def host(kojisim_server, tmp_path) -> Iterator[Host]:
    config = write_config(tmp_path / "koschei.cfg", kojisim_server())
    with deployment(tmp_path / "hosts", service_env(config, PYTHON=sys.executable)) as running:
        yield running.host("container")


@pytest.mark.django_db(transaction=True)
def test_workers_sync_the_schedules_then_run_the_cluster(host):
    host.spawn("workers", [ENTRYPOINT, "workers"])
    wait_for(
        lambda: " running." in host.log("workers"),
        timeout=120,
        what="the workers",
        diagnose=host.logs,
    )
    names = Schedule.objects.filter(name__startswith=PREFIX).values_list("name", flat=True)
    assert sorted(names) == sorted(PREFIX + periodic.name for periodic in SCHEDULES)
    assert f"schedules: {len(SCHEDULES)} created" in host.log("workers")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not amqp_available(), reason="needs RabbitMQ on 127.0.0.1 and rabbitmqctl")
def test_consumer_runs_the_message_watcher(host):
    with amqp_vhost() as url:
        host.env["KOSCHEI_AMQP_URL"] = url
        host.spawn("consumer", [ENTRYPOINT, "consumer"])
        wait_for(
            lambda: "consuming koschei-watcher on 127.0.0.1" in host.log("consumer"),
            timeout=120,
            what="the consumer",
            diagnose=host.logs,
        )
        host.stop()  # before its virtual host goes
