"""bench/web runs end to end at a tiny size (so it does not rot); figures are not judged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]


def test_the_web_benchmark_runs_and_prints_every_figure():
    database = f"{settings.DATABASES['default']['TEST']['NAME'] or 'test_koschei'}_bench_web"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOSCHEI_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bench.web", "--packages", "300", "--builds-per-package", "3",
         "--requests", "4", "--concurrency", "1", "--workers", "1", "--database", database],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    figures = dict(line.split("=", 1) for line in result.stdout.splitlines())
    for page in ("package_list", "package_detail", "build_detail", "affected_by", "api_why"):
        assert float(figures[f"{page}_ms_p95"]) > 0
        assert figures[f"target_{page}_met"] in {"yes", "no"}
    assert figures["packages"] == "300"
    connection = psycopg2.connect(host="localhost", user=settings.DATABASES["default"]["USER"],
                                  dbname="postgres")  # fmt: skip
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    connection.close()
