"""Running a benchmark harness as ``make bench-*`` would, on a database of its own.

The benchmarks' own tests (tiny sizes, so that they do not rot) share this: the harness
runs in a subprocess with none of the tests' settings, its ``name=value`` figures are
read back, and its database is dropped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 900  # a whole run, on busy shared cores


@dataclass(frozen=True)
class BenchRun:
    figures: dict[str, str]
    stderr: str


def bench_database(suffix: str) -> Iterator[str]:
    """A database name for one harness run (for a fixture); dropped when it is done."""
    name = f"{settings.DATABASES['default']['TEST']['NAME'] or 'test_koschei'}_{suffix}"
    yield name
    conn = psycopg2.connect(
        host="127.0.0.1", user=settings.DATABASES["default"]["USER"], dbname="postgres"
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


def run_bench(module: str, *args: str, timeout: float = TIMEOUT) -> BenchRun:
    """``python -m MODULE ARGS`` without the tests' settings; it must exit 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOSCHEI_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return BenchRun(figures, done.stderr)
