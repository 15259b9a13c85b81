"""django-q2 configuration: ORM broker by default, Redis on request, real workers run tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.models import Success
from django_q.tasks import async_task

ROOT = Path(__file__).resolve().parents[3]


def settings_value(expression: str, **env: str) -> str:
    """Evaluate an expression on the real settings module in a fresh interpreter."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='koschei_site.settings'; "
        f"django.setup(); from django.conf import settings; print({expression})"
    )
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in {"KOSCHEI_REDIS_URL", "KOSCHEI_QUEUE_NAME", "KOSCHEI_QUEUE_LIMIT"}
    }
    environment = {**inherited, "KOSCHEI_DEBUG": "1", "KOSCHEI_CONFIG": "", **env}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_the_default_broker_is_postgresql_through_the_orm():
    assert settings_value("settings.Q_CLUSTER.get('orm'), 'redis' in settings.Q_CLUSTER") == (
        "default False"
    )


def test_koschei_redis_url_switches_the_broker_to_redis():
    value = settings_value(
        "settings.Q_CLUSTER.get('redis'), 'orm' in settings.Q_CLUSTER",
        KOSCHEI_REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert value == "redis://127.0.0.1:6379/3 False"


def test_the_queue_name_and_the_tasks_a_host_takes_ahead_come_from_the_environment():
    value = settings_value(
        "settings.Q_CLUSTER['name'], settings.Q_CLUSTER['queue_limit']",
        KOSCHEI_QUEUE_NAME="koschei-staging",
        KOSCHEI_QUEUE_LIMIT="4",
    )
    assert value == "koschei-staging 4"
    assert settings_value("settings.Q_CLUSTER['name'], settings.Q_CLUSTER['queue_limit']") == (
        "koschei 50"
    )


@pytest.mark.parametrize("value", ["0", "many", "-2"])
def test_a_bad_worker_count_stops_the_start_with_the_variables_name(value):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        settings_value("settings.Q_CLUSTER", KOSCHEI_WORKERS=value)
    assert "KOSCHEI_WORKERS must be a whole number of at least 1" in failed.value.stderr


def test_retry_is_longer_than_timeout_so_slow_tasks_are_not_run_twice():
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]


@pytest.mark.django_db
def test_tests_run_tasks_synchronously():
    task_id = async_task("math.factorial", 5)
    assert Success.objects.get(id=task_id).result == 120


@pytest.mark.django_db(transaction=True)
def test_qcluster_workers_run_a_queued_task():
    """A real `manage.py qcluster` on the test database picks up an ORM-queued task."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "KOSCHEI_DEBUG": "1",
        "KOSCHEI_CONFIG": "",
        "KOSCHEI_DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{connection.settings_dict['NAME']}",
        "KOSCHEI_WORKERS": "1",
    }
    env.pop("KOSCHEI_REDIS_URL", None)
    task_id = async_task("math.factorial", 6, sync=False)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Success.objects.filter(id=task_id).exists():
            time.sleep(0.5)
        assert Success.objects.get(id=task_id).result == 720
    finally:
        worker.terminate()
        worker.wait(30)
