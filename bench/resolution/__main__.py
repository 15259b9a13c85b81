"""``python -m bench.resolution [--sources N [--profile P] | --repo DIR [--snapshot-b DIR2]]``

Cold, end to end: kojisim serves the data; the project's create-collection,
refresh-packages, add-pkg (every package) and refresh-builds (which reads the SRPMs'
BuildRequires from Koji) ingest it into a fresh database; fresh django-q2 workers
resolve the new repo (librepo download, sack, resolution, PostgreSQL); the ingested
builds are resolved and the repo settled, then resolved again in full by the workers
(the steady state); kojisim moves to the second snapshot and the incremental resolution
is timed and compared with a forced full one; a bare hawkey goal per package on one core
gives the floor, loading the second snapshot's repo from its repodata the incremental
run's own floor, and a sample of resolutions the data's shape; a fixed sample of bare
goals timed after each full run and before the floor gives the machine's pace. Figures
go to stdout as ``name=value`` lines, progress to stderr. Exit status 0 whatever the
figures say (it reports, it does not assert); 1 when the run itself broke.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

from bench.resolution import data as dataset
from bench.resolution.data import OUT, ROOT, DataSet, GeneratorArgs
from bench.resolution.ingest import COLLECTION, Koji, ingest, refresh
from bench.resolution.procs import PeakRss, Processes
from bench.resolution.report import BenchError, figure, machine_facts, note, unavailable
from bench.resolution.stack import Stack, django_env, recreate_database, setup_django
from bench.resolution.targets import INCREMENTAL_FLOOR, report_targets
from kojisim.generator.profiles import DEFAULT_PROFILE, PROFILES

if TYPE_CHECKING:
    from bench.resolution.floor import BenchRepo
    from bench.resolution.pace import Pace

FULL_SIZE = 30000
SHAPE_SAMPLE = 3000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.resolution", description=__doc__.split("\n\n")[1]
    )
    p.add_argument("--sources", type=int, default=FULL_SIZE, help="generated distribution size")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=DEFAULT_PROFILE,
        help=f"generator profile (default {DEFAULT_PROFILE}; expensive: the costly goals)",
    )
    p.add_argument("--changed", type=int, default=100, help="binaries changed in snapshot B")
    p.add_argument(
        "--change-mix",
        default="leaf=1",
        help='generator change mix for snapshot B (default "leaf=1"; "" = the generator\'s)',
    )
    p.add_argument("--repo", type=Path, help="a repo directory in kojisim format instead")
    p.add_argument("--snapshot-b", type=Path, help="the second snapshot (with --repo)")
    p.add_argument("--workers", type=int, default=2, help="django-q2 worker processes")
    p.add_argument("--database", default="koschei_bench", help="dropped and recreated")
    p.add_argument("--timeout", type=float, default=7200, help="bound of every step, seconds")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, cache)")
    p.add_argument(
        "--shape-sample",
        type=int,
        default=SHAPE_SAMPLE,
        help=f"packages resolved for the shape figures (default {SHAPE_SAMPLE}; 0: all)",
    )
    args = p.parse_args(argv)
    if args.snapshot_b and not args.repo:
        p.error("--snapshot-b needs --repo")
    if args.workers < 1:
        p.error("--workers must be at least 1")
    return args


@dataclass
class Context:
    """What the steps share: the options, the stack, the data and the figures so far."""

    args: argparse.Namespace
    stack: Stack
    data: DataSet
    sources: dict[str, Any]
    koji: Koji
    hub_url: str = ""
    missing: str | None = None
    known: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    pace: Pace | None = None

    def keep(self, name: str, value: float) -> None:
        self.known[name] = value
        figure(name, value)


def prepare_data(args: argparse.Namespace) -> DataSet:
    if args.repo:
        return dataset.given(args.repo, args.snapshot_b)
    gen = GeneratorArgs(args.sources, args.seed, args.changed, args.change_mix, args.profile)
    return dataset.generated(gen, args.timeout)


def report_data(ctx: Context) -> None:
    figure("data", ctx.data.base)
    figure("profile", ctx.args.profile if ctx.data.generated else "given")
    figure("sources", len(ctx.sources.get("packages") or []))
    figure("binaries", dataset.count_binaries(ctx.data.base))
    figure("repodata_mb", dataset.size_mb(ctx.data.base))
    figure("workers", ctx.args.workers)
    if ctx.data.updated is not None:
        figure("snapshot_b", ctx.data.updated)
        figure("snapshot_b_changed_binaries", dataset.changed_binaries(ctx.data.updated))


def set_up(ctx: Context) -> None:
    """kojisim, the config, the migrated database, Django in this process; then ingestion."""
    ctx.hub_url, load_s = ctx.stack.start_kojisim(ctx.data.base)
    figure("kojisim_load_s", load_s)
    ctx.stack.env = django_env(ctx.stack.workdir, ctx.args.database, ctx.hub_url)
    migrate = ctx.stack.manage(["migrate", "--noinput", "-v", "0"], ctx.args.timeout)
    figure("migrate_s", migrate.seconds)
    setup_django(ctx.stack.env)
    note("ingesting")
    ingest(ctx.stack, ctx.koji, ctx.args.timeout)
    from bench.resolution.resolve import missing_pieces

    ctx.missing = missing_pieces()


def full_step(ctx: Context, workers: int) -> None:
    """Cold full resolution of the first repo on fresh workers."""
    from bench.resolution.resolve import resolve_new_repo

    repo_id = int(ctx.known["first_repo_id"])
    note(f"full resolution of repo {repo_id}")
    with PeakRss(workers) as rss:
        run = resolve_new_repo(repo_id, ctx.args.timeout)
    ctx.keep("full_s", run.seconds)
    figure("full_check_s", run.check_seconds)
    figure("full_pkgs_per_s", run.packages / run.seconds if run.seconds else None)
    figure("full_packages", run.packages)
    figure("full_problems", run.problems)
    figure("full_unresolved", unresolved_packages())
    figure("full_chunks", run.chunks)
    peaks = rss.largest_mb(ctx.args.workers)
    ctx.keep("peak_rss_mb", max(peaks, default=0))
    keep_phases(ctx, "full", run.run_id)
    figure("peak_rss_mb_workers", ",".join(map(str, peaks)))


def builds_step(ctx: Context) -> None:
    """``resolve-builds`` of the ingested builds, in one process."""
    from bench.resolution.resolve import run_command

    note("build resolution")
    builds = run_command(ctx.stack, ["resolve-builds", COLLECTION], ctx.args.timeout)
    figure("builds_s", builds["seconds"])
    figure("builds_resolved", int(builds.get("packages", 0)))
    figure("builds_unresolved", int(builds.get("problems", 0)))
    per_s = builds.get("packages", 0) / builds["seconds"] if builds["seconds"] else None
    figure("builds_per_s", per_s)
    figure("builds_peak_rss_mb", int(builds["peak_rss_mb"]))


def settle_step(ctx: Context) -> None:
    """``resolve-repo`` of the first repo again, in one process, once its builds are resolved.

    Every package's comparison baseline has just changed (from none to its last build), so
    this recomputes every package's dependency changes from its stored install set.  It
    brings the collection to the steady state the incremental step starts from: in
    service, only the packages built since the last repo have a new baseline.
    """
    from bench.resolution.resolve import run_command

    note("settling: the first repo again, against the resolved builds")
    settle = run_command(ctx.stack, ["resolve-repo", COLLECTION], ctx.args.timeout)
    figure("settle_s", settle["seconds"])
    figure("settle_changed", int(settle.get("changed", 0)))


def steady_step(ctx: Context, workers: int) -> None:
    """The settled repo resolved again in full by the workers: the steady-state full run."""
    from bench.resolution.steady import steady_full_run

    note("steady-state full run of the settled repo on the workers")
    with PeakRss(workers) as rss:
        run = steady_full_run(ctx.args.timeout)
    ctx.keep("steady_s", run.seconds)
    figure("steady_check_s", run.check_seconds)
    figure("steady_kind", run.kind)
    figure("steady_packages", run.packages)
    figure("steady_changed", run.changed)
    figure("steady_pkgs_per_s", run.packages / run.seconds if run.seconds else None)
    ctx.keep("steady_peak_rss_mb", max(rss.largest_mb(1), default=0))
    keep_phases(ctx, "steady", run.run_id)


def keep_phases(ctx: Context, prefix: str, run_id: int) -> None:
    """The run's seconds by phase (summed over its chunks), from the workers' log."""
    from bench.resolution.chunk_log import STORING_SHARE, print_chunks, run_chunks

    share = print_chunks(prefix, run_chunks(ctx.stack.workdir / "workers.log", run_id))
    if share is not None:
        ctx.known[f"{prefix}_{STORING_SHARE}"] = share


def unresolved_packages() -> int:
    from packages.models import Package

    return Package.objects.filter(collection__name=COLLECTION, resolved=False).count()


def load_snapshot_b(ctx: Context) -> int:
    """Move kojisim to snapshot B, poll Koji's changes in; returns the new repo id."""
    if ctx.data.updated is None:
        raise BenchError("no second snapshot")
    started = time.monotonic()
    changes = ctx.stack.sim(ctx.hub_url, ["load-snapshot", str(ctx.data.updated)], ctx.args.timeout)
    figure("snapshot_b_load_s", time.monotonic() - started)
    figure("snapshot_b_builds_tagged", len(changes["tagged"]))
    figure("snapshot_b_builds_retired", len(changes["retired"]))
    figure("incremental_refresh_s", refresh(ctx.stack, ctx.args.timeout))
    return int(changes["repo"]["id"])


def incremental_step(ctx: Context, workers: int, repo_id: int) -> None:
    """Incremental resolution of snapshot B's repo, then a forced full one to compare."""
    from bench.resolution import compare
    from bench.resolution.resolve import resolve_new_repo, run_command

    builds = run_command(ctx.stack, ["resolve-builds", COLLECTION], ctx.args.timeout)
    figure("incremental_builds_s", builds["seconds"])
    note(f"incremental resolution of repo {repo_id}")
    ctx.known["incremental_repo_id"] = repo_id
    with PeakRss(workers) as rss:
        run = resolve_new_repo(repo_id, ctx.args.timeout)
    ctx.keep("incremental_s", run.seconds)
    figure("incremental_check_s", run.check_seconds)
    figure("incremental_kind", run.kind)
    figure("incremental_solved", run.solved)
    figure("incremental_reused", run.reused)
    ctx.keep("peak_rss_mb_after_incremental", max(rss.largest_mb(1), default=0))
    if ctx.known.get("full_s"):
        ctx.keep("incremental_ratio", run.seconds / ctx.known["full_s"])
    incremental = compare.capture()
    note("forced full re-resolution of the same repo")
    rerun = run_command(ctx.stack, ["resolve-repo", COLLECTION, "--full"], ctx.args.timeout)
    figure("full_rerun_in_process_s", rerun["seconds"])
    ctx.keep("full_rerun_peak_rss_mb", int(rerun["peak_rss_mb"]))
    # the same database state on both sides, but one process against the workers
    figure("incremental_rerun_ratio", run.seconds / rerun["seconds"] if rerun["seconds"] else None)
    diffs = compare.differences(incremental, compare.capture())
    figure("incremental_equals_full", not diffs)
    ctx.known["incremental_equals_full"] = float(not diffs)
    figure("incremental_differences", len(diffs))
    if diffs:
        path = ctx.stack.workdir / "incremental-differences.txt"
        compare.write_differences(path, diffs)
        note(f"{len(diffs)} differences, first: {diffs[0]} (all in {path}; use --keep)")


def first_repo(ctx: Context, repo_id: int | None = None) -> BenchRepo:
    """The first repo (or ``repo_id``) as the floor, the pace and the shape reach it."""
    from django.conf import settings

    from bench.resolution.floor import BenchRepo
    from packages.models import Collection
    from resolution.repos import RepoCache, RepoDescriptor

    dep = settings.KOSCHEI["dependency"]
    collection = Collection.objects.get(name=COLLECTION)
    repo_id = repo_id or ctx.known.get("first_repo_id")
    repo_id = repo_id or ctx.stack.latest_repo(ctx.hub_url, ctx.koji.build_tag)
    return BenchRepo(
        cache=RepoCache.for_cachedir(ctx.stack.cachedir, int(dep["cache_l2_capacity"])),
        descriptor=RepoDescriptor("primary", collection.build_tag, int(repo_id)),
        topurl=ctx.hub_url.rsplit("/", 1)[0] + "/kojifiles",
        repo_arch=dep["repo_arch"],
        solve_arch=dep["resolve_for_arch"],
        ignore_weak_deps=bool(dep["ignore_weak_deps"]),
        group_name=collection.build_group,
    )


def keep_pace(ctx: Context, moment: str) -> None:
    """``pace_goal_ms_<moment>``: the pace sample's mean bare goal now (``bench.resolution.pace``;
    the sack is loaded at the first probe)."""
    from bench.resolution.floor import eligible_packages
    from bench.resolution.pace import PACE_SAMPLE, Pace
    from bench.resolution.shape import spread
    from resolution.depsolve import SackError
    from resolution.repos import RepoError

    name = f"pace_goal_ms_{moment}"
    try:
        if ctx.pace is None:
            packages = spread(eligible_packages(COLLECTION, ctx.sources), PACE_SAMPLE)
            ctx.pace = Pace(first_repo(ctx), packages)
        ctx.keep(name, ctx.pace.probe())
    except (ValueError, OSError, RepoError, SackError) as exc:
        unavailable(name, str(exc))


def floor_step(ctx: Context) -> None:
    """The single-core floor on the first repo's sack (workers stopped by now)."""
    from bench.resolution.floor import eligible_packages, measure_floor
    from bench.resolution.pace import paced_ratio
    from bench.resolution.phases import print_phases

    repo = first_repo(ctx)
    note(f"floor on repo {repo.descriptor.repo_id}")
    figure("load_avg_1m_floor", round(os.getloadavg()[0], 2))
    keep_pace(ctx, "floor")
    figures = measure_floor(repo, eligible_packages(COLLECTION, ctx.sources))
    figure("sack_packages", figures.sack_packages)
    figure("sack_load_cold_s", figures.sack_load_cold_s)
    figure("sack_load_warm_s", figures.sack_load_warm_s)
    figure("floor_packages", figures.packages)
    figure("floor_unresolved", figures.unresolved)
    ctx.keep("floor_s", figures.seconds)
    figure("floor_pkgs_per_s", figures.packages / figures.seconds if figures.seconds else None)
    if figures.packages:
        figure("goal_ms_mean", figures.seconds * 1000 / figures.packages)
    print_phases(figures.phases)
    for run, ratio in (("full", "floor_ratio"), ("steady", "steady_ratio")):
        seconds = ctx.known.get(f"{run}_s")
        if not seconds:
            continue
        ctx.keep(ratio, seconds / figures.seconds)
        paces = ctx.known.get(f"pace_goal_ms_{run}"), ctx.known.get("pace_goal_ms_floor")
        if paces[0] and paces[1]:
            figure(f"{ratio}_paced", paced_ratio(seconds, figures.seconds, paces[0], paces[1]))


def incremental_floor_step(ctx: Context) -> None:
    """The second snapshot's repo loaded from its repodata on one core (workers stopped):
    the incremental run cannot solve before that, so over ``full_s`` it bounds
    ``incremental_ratio`` from below."""
    from bench.resolution.floor import repodata_load_seconds

    repo_id, full = ctx.known.get("incremental_repo_id"), ctx.known.get("full_s")
    if repo_id is None or not full:
        return
    seconds = repodata_load_seconds(first_repo(ctx, int(repo_id)))
    figure("incremental_sack_load_s", seconds)
    ctx.keep(INCREMENTAL_FLOOR, seconds / full)


def shape_step(ctx: Context) -> None:
    """Install sets and distances of a sample of the eligible packages on the first repo."""
    from bench.resolution.floor import eligible_packages
    from bench.resolution.shape import measure_shape, spread

    packages = spread(eligible_packages(COLLECTION, ctx.sources), ctx.args.shape_sample)
    note(f"shape of the data: {len(packages)} packages resolved")
    shape = measure_shape(first_repo(ctx), packages)
    figure("shape_packages", shape.packages)
    figure("install_set_mean", shape.install_set_mean)
    figure("install_set_p95", shape.install_set_p95)
    figure("install_set_max", shape.install_set_max)
    figure("distance_max", shape.distance_max)
    figure("distance_p95", shape.distance_p95)
    figure("distance_within_6", shape.distance_shallow_share)


def resolution_steps(ctx: Context) -> None:
    """Full, builds and incremental on one fresh qcluster; or why they cannot run."""
    repo_b_reason = None if ctx.data.updated else "no second snapshot (--snapshot-b)"
    ctx.known["first_repo_id"] = ctx.stack.latest_repo(ctx.hub_url, ctx.koji.build_tag)
    if ctx.missing:
        for name in ("full_s", "full_pkgs_per_s", "peak_rss_mb", "builds_s"):
            unavailable(name, ctx.missing)
        if ctx.data.updated is not None:
            load_snapshot_b(ctx)
        for name in ("incremental_s", "incremental_equals_full"):
            unavailable(name, repo_b_reason or ctx.missing)
        return
    workers = ctx.stack.start_workers(ctx.args.workers)
    try:
        if not attempt(ctx, "full_s", lambda: full_step(ctx, workers.pid)):
            return
        keep_pace(ctx, "full")
        attempt(ctx, "builds_s", lambda: builds_step(ctx))
        if attempt(ctx, "settle_s", lambda: settle_step(ctx)) and attempt(
            ctx, "steady_s", lambda: steady_step(ctx, workers.pid)
        ):
            keep_pace(ctx, "steady")
        if ctx.data.updated is None:
            unavailable("incremental_s", str(repo_b_reason))
            return
        attempt(
            ctx, "incremental_s", lambda: incremental_step(ctx, workers.pid, load_snapshot_b(ctx))
        )
    finally:
        ctx.stack.procs.stop(workers)


def attempt(ctx: Context, name: str, step: Callable[[], None]) -> bool:
    """Run a step; when it breaks, report ``name`` unavailable and go on with the others."""
    try:
        step()
    except BenchError as exc:
        unavailable(name, str(exc))
        ctx.errors.append(str(exc))
        return False
    return True


def run(ctx: Context) -> None:
    postgres = recreate_database(ctx.args.database)
    machine_facts(postgres)
    report_data(ctx)
    set_up(ctx)
    try:
        resolution_steps(ctx)
        attempt(ctx, "floor_s", lambda: floor_step(ctx))
    finally:
        if ctx.pace is not None:
            ctx.pace.close()
    attempt(ctx, INCREMENTAL_FLOOR, lambda: incremental_floor_step(ctx))
    if ctx.missing:
        unavailable("floor_ratio", ctx.missing)
    attempt(ctx, "install_set_mean", lambda: shape_step(ctx))
    report_targets(ctx.known)


def claim_database(name: str) -> IO[bytes] | None:
    """An exclusive lock on the run's database name (held until this process exits), or
    None when another run holds it: two runs would drop each other's database."""
    OUT.mkdir(parents=True, exist_ok=True)
    handle = open(OUT / f".{name}.lock", "ab")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    lock = claim_database(args.database)
    if lock is None:
        note(f"error: another benchmark run is using database {args.database}; try --database")
        return 1
    try:
        data = prepare_data(args)
        sources = dataset.read_sources(data.base)
    except BenchError as exc:
        note(f"error: {exc}")
        return 1
    # outside the source tree: kojisim's repos hold "toplink" symlinks back to its top
    # directory, which tools that walk the tree (mypy) cannot follow
    workdir = Path(tempfile.mkdtemp(prefix=time.strftime("koschei-bench-%Y%m%d-%H%M%S-")))
    (workdir / "cache").mkdir()
    stack = Stack(workdir, Processes(workdir, ROOT), env=dict(os.environ))
    ctx = Context(args, stack, data, sources, Koji.of(sources))
    note(f"work directory {workdir}")
    status = 1
    try:
        run(ctx)
        status = 1 if ctx.errors else 0
    except BenchError as exc:
        note(f"error: {exc}")
        figure("error", " ".join(str(exc).split()))
    finally:
        stack.procs.stop_all()
        figure("bench_s", time.monotonic() - started)
        if status == 0 and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            note(f"logs, cache and kojisim state kept in {workdir}")
    return status


if __name__ == "__main__":
    sys.exit(main())
