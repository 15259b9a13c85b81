"""Task functions run in a separate Python process on the test database, as a worker would,
so that a test can kill one with SIGKILL mid-task.

The process reads the test's ``settings.KOSCHEI`` (a configuration file written for it)
and its database; ``django-q2`` is not in sync mode there, so what it enqueues waits in
the ORM queue.  Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def worker_env(directory: Path, **overrides: Any) -> dict[str, str]:
    """The environment of a worker process: the test's database and KOSCHEI settings
    (``overrides`` merged over its ``koji_config``)."""
    config = {**settings.KOSCHEI}
    config["koji_config"] = {**config["koji_config"], **overrides}
    path = directory / "worker-config.py"
    path.write_text(f"import json\nconfig = json.loads({json.dumps(json.dumps(config))})\n")
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if k != "KOSCHEI_REDIS_URL"}
    return {
        **env,
        "KOSCHEI_DEBUG": "1",
        "KOSCHEI_CONFIG": str(path),
        "KOSCHEI_DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{connection.settings_dict['NAME']}",
        "PYTHONPATH": str(ROOT),
    }


class Worker:
    """One task function running in its own process (``start``), killed or awaited."""

    def __init__(self, env: dict[str, str], call: str, log: Path) -> None:
        code = (
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
            "'koschei_site.settings'); django.setup(); "
            f"from importlib import import_module; print({call})"
        )
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=out, stderr=out
            )

    def kill(self) -> int:
        """SIGKILL: no cleanup, no rollback but PostgreSQL's own."""
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(30)

    def wait(self, timeout: float = 120) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def task_call(dotted: str, *args: Any) -> str:
    """The expression a Worker evaluates to call a task function by its dotted name."""
    module, name = dotted.rsplit(".", 1)
    return f"getattr(import_module({module!r}), {name!r})(*{args!r})"


def wait_until(predicate: Callable[[], bool], timeout: float = 60, step: float = 0.05) -> bool:
    """Whether ``predicate()`` became true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def waiting_for_lock() -> bool:
    """Whether another backend of this database waits for a lock (a row lock shows as a
    wait for the holder's transaction id)."""
    query = """
        SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE NOT l.granted AND a.datname = current_database() AND a.pid <> pg_backend_pid()
    """
    with connection.cursor() as cursor:
        cursor.execute(query)
        return bool(cursor.fetchone()[0])


def blocked_queries() -> list[str]:
    """The statements other backends of this database are waiting in for a lock."""
    query = """
        SELECT a.query FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
          AND a.wait_event_type = 'Lock'
    """
    with connection.cursor() as cursor:
        cursor.execute(query)
        return [row[0] for row in cursor.fetchall()]
