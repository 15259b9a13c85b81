"""Helpers for tests that race two database writers in threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection, connections, transaction

# Only backends of this test database count: helpers may run other suites in parallel
# on the same PostgreSQL server.
WAITERS = """
    SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE NOT l.granted AND a.datname = current_database() AND a.pid <> pg_backend_pid()
"""


def wait_for_lock_waiter(seconds: float = 10) -> bool:
    """True once another backend of this database waits for a lock (bounded polling)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(WAITERS)
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def race(first: Callable[[], object], second: Callable[[], object], seconds: float = 10) -> bool:
    """Run ``first`` in a transaction held open until ``second``, in another thread and
    transaction, waits for a lock (or ``seconds`` pass); then let ``first`` commit and
    wait for both.  Returns whether ``second`` waited for a lock.

    Each writer runs on its own connection (closed afterwards); the first error either
    raised is raised here, and a writer still running after ``2 * seconds`` fails the test.
    """
    written, may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_open() -> None:
        written.set()
        may_commit.wait(seconds)

    def run(work: Callable[[], object], before_commit: Callable[[], None] | None) -> None:
        try:
            with transaction.atomic():
                work()
                if before_commit is not None:
                    before_commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            written.set()
            connections.close_all()

    writers = [threading.Thread(target=run, args=(first, hold_open))]
    writers[0].start()
    written.wait(seconds)
    writers.append(threading.Thread(target=run, args=(second, None)))
    writers[1].start()
    waited = not errors and wait_for_lock_waiter(seconds)
    may_commit.set()
    for writer in writers:
        writer.join(2 * seconds)
    if errors:
        raise errors[0]
    assert not any(writer.is_alive() for writer in writers), "a writer never finished"
    return waited
