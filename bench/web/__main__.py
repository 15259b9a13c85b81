"""``python -m bench.web [--packages 30000] [--builds-per-package 10] [--requests 100]``

The public pages and the API over HTTP against gunicorn (production settings, 2 workers)
on a database of the scheduler benchmark's shape (``bench.scheduler.data``) plus
dependency changes for the affected-by page: per page p50/p95 latency and throughput with
``--concurrency`` clients.  Figures on stdout as ``name=value`` lines, progress on stderr.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.resolution.report import BenchError, figure, machine_facts, note
from bench.resolution.stack import database_url, recreate_database
from bench.scheduler.data import Size, generate

ROOT = Path(__file__).resolve().parents[2]
TARGET_P95_MS = 50.0

# executed without parameters: % is a plain character here
CHANGES = """
INSERT INTO dependency (name, epoch, version, release, arch)
    SELECT 'libbench', 0, format('1.%s', i), '1.fc42', 'x86_64' FROM generate_series(1, 20) i;
INSERT INTO applied_change (build_id, prev_dep_id, curr_dep_id, distance)
    SELECT b.id, prev.id, curr.id, 1 + b.id % 5
    FROM build b
    JOIN dependency prev ON prev.name = 'libbench' AND prev.version = '1.' || (1 + b.id % 10)
    JOIN dependency curr ON curr.name = 'libbench' AND curr.version = '1.' || (11 + b.id % 10)
    WHERE b.state = 5 AND b.id % 7 = 0;
INSERT INTO unapplied_change (package_id, prev_dep_id, curr_dep_id, distance)
    SELECT p.id, (SELECT min(id) FROM dependency), (SELECT max(id) FROM dependency), 2
    FROM package p WHERE p.id % 11 = 0;
ANALYZE;
"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__.split("\n\n")[1])
    p.add_argument("--packages", type=int, default=30000, help="packages (default 30000)")
    p.add_argument("--builds-per-package", type=int, default=10, help="default 10")
    p.add_argument("--requests", type=int, default=100, help="requests per page (default 100)")
    p.add_argument("--concurrency", type=int, default=2, help="parallel clients (default 2)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--database", default="koschei_bench_web", help="dropped and recreated")
    args = p.parse_args(argv)
    if min(args.packages, args.builds_per_package, args.requests, args.concurrency) < 1:
        p.error("every count must be >= 1")
    return args


def prepare(args: argparse.Namespace) -> dict[str, object]:
    """Make the database; returns what the URLs need (names, build ids)."""
    os.environ.update(
        {
            "KOSCHEI_DATABASE_URL": database_url(args.database),
            "KOSCHEI_DEBUG": "1",
            "KOSCHEI_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "koschei_site.settings",
        }
    )
    os.environ.pop("KOSCHEI_CONFIG", None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    note(f"migrating {args.database}")
    call_command("migrate", verbosity=0)
    counts = generate(Size(args.packages, args.builds_per_package, 1, 20))
    with connection.cursor() as cursor:
        cursor.execute(CHANGES)
        cursor.execute("SELECT name FROM package ORDER BY random() LIMIT 200")
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM build ORDER BY random() LIMIT 200")
        builds = [row[0] for row in cursor.fetchall()]
    figure("packages", counts["package"])
    figure("builds", counts["build"])
    connection.close()
    return {"names": names, "builds": builds}


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOSCHEI_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="koschei_site.settings",
        KOSCHEI_CONFIG="",
        KOSCHEI_DEBUG="0",
        KOSCHEI_SECRET_KEY=secrets.token_urlsafe(48),
        KOSCHEI_ALLOWED_HOSTS="127.0.0.1",
        KOSCHEI_SSL_REDIRECT="0",
        KOSCHEI_LOG_LEVEL="WARNING",
        KOSCHEI_DATABASE_URL=database_url(args.database),
        KOSCHEI_STATIC_ROOT=str(ROOT / "var" / "bench-web-static"),
    )
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)]
    server = subprocess.Popen([*command, "koschei_site.wsgi"], cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
            return server
        except requests.ConnectionError:
            time.sleep(0.2)
    server.kill()
    raise BenchError("gunicorn did not answer")


def measure(
    base: str, urls: Callable[[int], str], count: int, concurrency: int
) -> dict[str, float]:
    """Latencies (ms) of ``count`` GETs, ``concurrency`` at a time; and the throughput."""

    def one(i: int) -> float:
        started = time.perf_counter()
        response = requests.get(base + urls(i), timeout=60)
        if response.status_code != 200:
            raise BenchError(f"{urls(i)} answered {response.status_code}")
        return (time.perf_counter() - started) * 1000

    one(0)  # warm-up: a worker's first request loads templates and connects
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    return {
        "p50": statistics.median(latencies),
        "p95": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
        "rps": count / elapsed,
    }


def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    machine_facts(recreate_database(args.database))
    data = prepare(args)
    names: list[str] = data["names"]  # type: ignore[assignment]
    builds: list[int] = data["builds"]  # type: ignore[assignment]
    rng = random.Random(42)
    listing = "/packages?collection=f42"
    page_count = max(1, int(args.packages * 0.9) // 100)  # 95% tracked, 1% blocked: all full
    affected = (
        "/affected-by/libbench?collection=f42&epoch1=0&version1=1.5&release1=1.fc42"
        "&epoch2=0&version2=1.15&release2=1.fc42"
    )
    pages: dict[str, Callable[[int], str]] = {
        "package_list": lambda i: "/packages?collection=f42",
        "package_list_page": lambda i: f"{listing}&page={rng.randrange(page_count) + 1}",
        "package_list_sorted": lambda i: "/packages?collection=f42&order_by=-current_priority",
        "package_detail": lambda i: f"/package/{names[i % len(names)]}",
        "build_detail": lambda i: f"/build/{builds[i % len(builds)]}",
        "affected_by": lambda i: affected,
        "api_package": lambda i: f"/api/v1/packages/{names[i % len(names)]}",
        "api_packages_filtered": lambda i: f"/api/v1/packages?name={names[i % len(names)]}",
        "api_why": lambda i: f"/api/v1/packages/{names[i % len(names)]}/why",
    }
    port = 18000 + os.getpid() % 1000
    server = start_server(args, port)
    try:
        base = f"http://127.0.0.1:{port}"
        met = True
        for name, urls in pages.items():
            note(f"timing {name}")
            result = measure(base, urls, args.requests, args.concurrency)
            figure(f"{name}_ms_p50", result["p50"])
            figure(f"{name}_ms_p95", result["p95"])
            figure(f"{name}_rps", result["rps"])
            figure(f"target_{name}_met", result["p95"] < TARGET_P95_MS)
            met = met and result["p95"] < TARGET_P95_MS
        whole = measure(base, lambda i: "/api/v1/packages", 3, 1)
        figure("api_packages_all_ms_p50", whole["p50"])
        figure("target_p95_ms", TARGET_P95_MS)
        figure("target_all_met", met)
    finally:
        server.terminate()
        server.wait(timeout=30)
    figure("bench_s", time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except BenchError as exc:
        note(f"failed: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
