"""Helpers for tests that race two database writers in threads."""

from __future__ import annotations

import time

from django.db import connection

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
