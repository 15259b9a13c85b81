"""``python -m bench.scheduler --latency [--sources 30000]``: from Koji's ``repo.done``
message to the first scratch build submitted for a package the new repo affected, through
the running service.

1. data: the generator's distribution and its second snapshot (``--sources``, ``--seed``,
   ``--changed`` binaries of the generator's own change mix), as ``bench.resolution``
   makes and caches them;
2. a fresh database, kojisim (frozen clock) publishing Koji's messages to RabbitMQ under
   the run's own topic prefix, ingestion through the commands (create-collection,
   refresh-packages, add-pkg, refresh-builds), the first repo resolved (``resolve-repo``)
   and the builds (``resolve-builds``), each a command in its own process;
3. a quiet start: every build made 96 hours old and every package's manual, build and
   dependency priority zeroed, so that no package is over the threshold (the time term
   alone gives 213 of 256) and only the new repo's dependency changes can put one over;
   the task queue emptied;
4. ``manage.py qcluster`` and ``manage.py watch-messages`` started (the schedules, the
   once-a-minute safety net, are not synced: what is measured is the message path);
5. kojisim moves to the second snapshot (new builds tagged, a new repo, ``repo.done``);
   the harness's own queue notes when that message arrives; then the run of the new repo
   and the first scratch build of a package with a dependency priority are awaited.

Every process it started is stopped at the end, also after an error, and the watcher's
queue is deleted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.resolution import data as dataset
from bench.resolution.data import ROOT, GeneratorArgs
from bench.resolution.ingest import COLLECTION, Koji, ingest
from bench.resolution.procs import Processes, wait_for
from bench.resolution.report import BenchError, figure, machine_facts, note, unavailable
from bench.resolution.resolve import run_command
from bench.resolution.stack import Stack, django_env, recreate_database, setup_django
from bench.scheduler.services import Bus, RepoDoneListener, start_services

TARGET_LATENCY_S = 10.0
#: the age every build is given before the new repo: the time term is then 213.0, so a
#: package needs a dependency priority of 43 (one change up to five hops away) to be due
QUIET_BUILD_AGE_HOURS = 96
#: how long the first build may take once the run is done before it is reported missing
FIRST_BUILD_GRACE_S = 120.0


@dataclass
class Latency:
    """What the latency steps share."""

    args: argparse.Namespace
    stack: Stack
    bus: Bus
    koji: Koji = field(default_factory=lambda: Koji("sim", "sim", "sim-build"))
    hub_url: str = ""


def prepare(run: Latency) -> dataset.DataSet:
    gen = GeneratorArgs(run.args.sources, run.args.seed, run.args.changed, "")
    data = dataset.generated(gen, run.args.timeout)
    sources = dataset.read_sources(data.base)
    run.koji = Koji.of(sources)
    figure("sources", len(sources.get("packages") or []))
    figure("binaries", dataset.count_binaries(data.base))
    if data.updated is None:
        raise BenchError("the generator wrote no second snapshot (--changed must be >= 1)")
    figure("snapshot_b_changed_binaries", dataset.changed_binaries(data.updated))
    return data


def set_up(run: Latency, data: dataset.DataSet) -> None:
    """kojisim, the configuration, the migrated database, ingestion, the first repo."""
    stack, timeout = run.stack, run.args.timeout
    run.hub_url, load_s = stack.start_kojisim(data.base, extra=run.bus.kojisim_options())
    figure("kojisim_load_s", load_s)
    stack.env = django_env(stack.workdir, run.args.database, run.hub_url, scheduler=True)
    run.bus.configure(stack)
    stack.manage(["migrate", "--noinput", "-v", "0"], timeout)
    setup_django(stack.env)
    note("ingesting")
    ingest(stack, run.koji, timeout)
    note("resolving the first repo and the builds, each in one process")
    first = run_command(stack, ["resolve-repo", COLLECTION], timeout)
    figure("first_repo_resolution_s", first["seconds"])
    builds = run_command(stack, ["resolve-builds", COLLECTION], timeout)
    figure("builds_resolution_s", builds["seconds"])


def quiet_start() -> int:
    """No package due, no task queued; returns how many candidates are left (0 expected)."""
    from django.db import transaction
    from django.utils import timezone
    from django_q.models import OrmQ

    from builds.models import Build
    from builds.services.scheduler import candidates
    from packages.models import Package

    with transaction.atomic():
        age = timezone.now() - timedelta(hours=QUIET_BUILD_AGE_HOURS)
        Build.objects.filter(package__collection__name=COLLECTION).update(started=age)
        Package.objects.filter(collection__name=COLLECTION).update(
            manual_priority=0, build_priority=0, dependency_priority=0
        )
    OrmQ.objects.all().delete()  # the finished runs' follow-ups: no cluster ran them
    return candidates().count()


def new_repo(run: Latency, data: dataset.DataSet) -> int:
    """Move kojisim to the second snapshot; the new repo's id (its repo.done is sent)."""
    if data.updated is None:
        raise BenchError("no second snapshot")
    note("kojisim moves to the second snapshot")
    started = time.monotonic()
    changes = run.stack.sim(run.hub_url, ["load-snapshot", str(data.updated)], run.args.timeout)
    figure("snapshot_b_load_s", time.monotonic() - started)
    figure("snapshot_b_builds_tagged", len(changes["tagged"]))
    return int(changes["repo"]["id"])


def finished_run(repo_id: int) -> Any:
    from resolution.models import ResolutionRun, RunState

    run = (
        ResolutionRun.objects.filter(collection__name=COLLECTION, repo_id=repo_id)
        .order_by("-id")
        .first()
    )
    if run is not None and run.state == RunState.FAILED:
        raise BenchError(f"the run of repo {repo_id} failed: {run.error}")
    return run if run is not None and run.state != RunState.RUNNING else None


def first_scratch_build(affected: bool) -> Any:
    """The first scratch build (of a package with a dependency priority, if ``affected``)."""
    from builds.models import Build

    builds = Build.objects.filter(package__collection__name=COLLECTION, real=False)
    if affected:
        builds = builds.filter(package__dependency_priority__gt=0)
    return builds.select_related("package").order_by("started", "id").first()


def measure(run: Latency, listener: RepoDoneListener, repo_id: int) -> None:
    """Wait for the message, the run and the first build; print the figures."""
    timeout = run.args.timeout
    done_at = wait_for(f"repo.done of repo {repo_id}", lambda: listener.arrival_of(repo_id), 60)
    resolution = wait_for(f"the run of repo {repo_id}", lambda: finished_run(repo_id), timeout)
    figure("run_kind", resolution.kind)
    figure("run_packages", resolution.packages)
    figure("run_solved", resolution.solved)
    figure("run_reused", resolution.reused)
    check_s = resolution.started_at.timestamp() - done_at
    resolution_s = resolution.finished_at.timestamp() - done_at
    figure("message_to_run_s", check_s)
    figure("resolution_s", resolution_s)
    try:
        build = wait_for(
            "a scratch build of an affected package",
            lambda: first_scratch_build(affected=True),
            FIRST_BUILD_GRACE_S,
        )
    except BenchError as exc:
        any_build = first_scratch_build(affected=False)
        figure("scratch_builds", count_scratch_builds())
        figure("first_any_build", any_build.package.name if any_build else None)
        unavailable("latency_s", str(exc))
        figure("target_latency_met", False)
        return
    first_s = build.started.timestamp() - done_at
    latency = first_s - resolution_s
    figure("first_build_package", build.package.name)
    figure("first_build_dependency_priority", build.package.dependency_priority)
    figure("first_build_s", first_s)
    figure("latency_s", latency)
    figure("scratch_builds", settled_count())
    figure("target_latency_s", TARGET_LATENCY_S)
    figure("target_latency_met", latency < TARGET_LATENCY_S)


def settled_count(quiet_s: float = 3.0, bound_s: float = 60.0) -> int:
    """Scratch builds once the follow-up decisions are over: the count unchanged for
    ``quiet_s`` (bounded by ``bound_s``)."""
    count, since, deadline = count_scratch_builds(), time.monotonic(), time.monotonic() + bound_s
    while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
        time.sleep(0.5)
        now = count_scratch_builds()
        if now != count:
            count, since = now, time.monotonic()
    return count


def count_scratch_builds() -> int:
    from builds.models import Build

    return Build.objects.filter(package__collection__name=COLLECTION, real=False).count()


def run_latency(args: argparse.Namespace) -> int:
    """The latency half; 0 when it ran (whatever the figures say), 1 when a step broke."""
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix=time.strftime("koschei-latency-%Y%m%d-%H%M%S-")))
    (workdir / "cache").mkdir()
    stack = Stack(workdir, Processes(workdir, ROOT), env=dict(os.environ))
    run = Latency(args, stack, Bus.private())
    listener = RepoDoneListener(run.bus)
    note(f"work directory {workdir}; topic prefix {run.bus.prefix}")
    status = 1
    try:
        machine_facts(recreate_database(args.database))
        data = prepare(run)
        set_up(run, data)
        figure("candidates_before", quiet_start())
        listener.start()
        start_services(stack, run.bus, args.workers)
        measure(run, listener, new_repo(run, data))
        status = 0
    except BenchError as exc:
        note(f"error: {exc}")
        figure("error", " ".join(str(exc).split()))
    finally:
        listener.stop()
        stack.procs.stop_all()
        run.bus.delete_queue()
        figure("bench_s", time.monotonic() - started)
        if status == 0 and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            note(f"logs and kojisim state kept in {workdir}")
    return status
