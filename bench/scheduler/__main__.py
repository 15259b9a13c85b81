"""``python -m bench.scheduler [--packages 30000] [--builds-per-package 10] [--decisions 200]``
``python -m bench.scheduler --latency [--sources 30000]``

The database part of one scheduler decision, without Koji (no kojisim, no latency): the
stale-claim sweep, the running-build count, the priority query (the first
``services.scheduler.max_candidates`` schedulable packages over the threshold) and the
claim (advisory lock, the limit and the package re-checked, claim inserted, committed) —
the very functions ``builds.services.scheduler.schedule_build`` runs around its Koji calls.
Data are made in SQL in a fresh database.  After each decision the claim is dropped and
the package's priority lowered, as a submission would, so decisions walk down the list.
With ``--latency``, the other half instead (``bench.scheduler.latency``): from Koji's
``repo.done`` message to the first scratch build of an affected package, through kojisim,
RabbitMQ, ``watch-messages`` and ``qcluster``.  Figures on stdout as ``name=value`` lines,
progress on stderr; exit status 0 whatever the figures say, 1 when the run broke.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from collections.abc import Sequence
from types import FrameType

from bench.resolution.report import BenchError, figure, machine_facts, note
from bench.resolution.stack import database_url, recreate_database
from bench.scheduler.data import Size, generate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET_P95_MS = 50.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.scheduler", description=__doc__.split("\n\n")[1]
    )
    p.add_argument("--packages", type=int, default=30000, help="packages (default 30000)")
    p.add_argument("--builds-per-package", type=int, default=10, help="default 10")
    p.add_argument("--collections", type=int, default=1, help="packages spread over them")
    p.add_argument("--running", type=int, default=20, help="running builds (max_builds 30)")
    p.add_argument("--decisions", type=int, default=200, help="decisions timed")
    p.add_argument(
        "--database",
        help="dropped and recreated (default koschei_bench_sched, "
        "with --latency koschei_bench_latency)",
    )
    p.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE on stderr")
    latency = p.add_argument_group("latency (--latency)")
    latency.add_argument("--latency", action="store_true", help="measure repo.done -> build")
    latency.add_argument("--sources", type=int, default=30000, help="generated distribution")
    latency.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    latency.add_argument("--changed", type=int, default=100, help="binaries the new repo changes")
    latency.add_argument("--workers", type=int, default=2, help="qcluster workers (default 2)")
    latency.add_argument("--timeout", type=float, default=7200, help="bound of every step, s")
    latency.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args(argv)
    if args.database is None:
        args.database = "koschei_bench_latency" if args.latency else "koschei_bench_sched"
    if args.latency and min(args.sources, args.changed, args.workers) < 1:
        p.error("--sources, --changed and --workers must be >= 1")
    if min(args.packages, args.builds_per_package, args.collections, args.decisions) < 1:
        p.error("--packages, --builds-per-package, --collections and --decisions must be >= 1")
    return args


def setup(database: str) -> None:
    os.environ.update(
        {
            "KOSCHEI_DATABASE_URL": database_url(database),
            "KOSCHEI_DEBUG": "1",
            "KOSCHEI_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "koschei_site.settings",
        }
    )
    os.environ.pop("KOSCHEI_CONFIG", None)
    sys.path.insert(0, ROOT)
    import django
    from django.core.management import call_command

    django.setup()
    note(f"migrating {database}")
    call_command("migrate", verbosity=0)


def decide_once() -> tuple[float, float, float, bool]:
    """One decision's database part: (total, query, claim) in ms, and whether it claimed."""
    from django.db.models import F

    from builds.models import SubmissionClaim
    from builds.services import scheduler
    from packages.models import Package

    start = time.perf_counter()
    scheduler.expire_claims()
    full = scheduler.busy_builds() >= scheduler.max_builds()
    limit = int(scheduler.scheduler_config()["max_candidates"])
    first = None if full else next(scheduler.first_candidates(limit), None)
    queried = time.perf_counter()
    claim = scheduler.claim_package(first) if first else None
    end = time.perf_counter()
    if first:  # what the submission would do: claim gone, priority reset (not timed)
        SubmissionClaim.objects.filter(package=first).delete()
        Package.objects.filter(pk=first.pk).update(manual_priority=F("manual_priority") - 10**6)
    claimed = claim is scheduler.Claim.CLAIMED
    return (end - start) * 1000, (queried - start) * 1000, (end - queried) * 1000, claimed


def floor_once() -> float:
    """One pass over the package table (count of the rows), in ms: the least a ranking of
    every package costs on this machine right now, measured beside each decision."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM package WHERE tracked AND NOT blocked")
        cursor.fetchone()
    return (time.perf_counter() - start) * 1000


def explain() -> None:
    from builds.services import scheduler

    limit = int(scheduler.scheduler_config()["max_candidates"])
    note("EXPLAIN ANALYZE of the priority query:")
    query = scheduler.candidates().values_list("id", "current_priority")[:limit]
    print(query.explain(analyze=True, buffers=True), file=sys.stderr)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    postgres = recreate_database(args.database)
    machine_facts(postgres)
    setup(args.database)
    size = Size(args.packages, args.builds_per_package, args.collections, args.running)
    generated = time.perf_counter()
    counts = generate(size)
    figure("generate_s", time.perf_counter() - generated)
    figure("packages", counts["package"])
    figure("builds", counts["build"])
    figure("running_builds", counts["running"])
    figure("collections", args.collections)
    from builds.services import scheduler

    figure("schedulable_over_threshold", scheduler.candidates().count())
    if args.explain:
        explain()
    decide_once()  # warm-up: connection, plan cache
    totals, queries, claims, claimed = [], [], [], 0
    note(f"timing {args.decisions} decisions")
    floors: list[float] = []
    for _ in range(args.decisions):
        floors.append(floor_once())
        total, query, claim, ok = decide_once()
        totals.append(total)
        queries.append(query)
        claims.append(claim)
        claimed += ok
    figure("decisions", args.decisions)
    figure("decisions_claimed", claimed)
    for name, values in (
        ("decision", totals),
        ("query", queries),
        ("claim", claims),
        ("floor", floors),
    ):
        figure(f"{name}_ms_p50", statistics.median(values))
        figure(f"{name}_ms_p95", percentile(values, 0.95))
        figure(f"{name}_ms_max", max(values))
    figure("query_floor_ratio", statistics.median(queries) / statistics.median(floors))
    figure("target_p95_ms", TARGET_P95_MS)
    figure("target_p95_met", percentile(totals, 0.95) < TARGET_P95_MS)
    figure("bench_s", time.perf_counter() - started)


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.latency:
        from bench.scheduler.latency import run_latency

        signal.signal(signal.SIGTERM, _terminate)  # the clean-up runs on SIGTERM too
        return run_latency(args)
    try:
        run(args)
    except BenchError as exc:
        note(f"failed: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
