"""The resolution step: everything that depends on the resolution services, in one place.

- ``missing_pieces`` says what is not there yet (the harness then reports the figures as
  unavailable instead of crashing);
- ``resolve_new_repo`` enqueues the repo check (``resolution.tasks.check_new_repos``)
  for the workers and waits, bounded, until the run of the given repo is finished:
  seconds from the trigger to the run's ``finished_at`` (the finishing step, after the
  last chunk committed);
- ``run_command`` runs ``resolve-repo --full`` or ``resolve-builds`` and parses their
  ``packages=N changed=N problems=N seconds=S`` line.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from typing import Any

from bench.resolution.ingest import COLLECTION
from bench.resolution.procs import wait_for
from bench.resolution.report import BenchError
from bench.resolution.stack import Stack

RESOLUTION_TASK = "resolution.tasks.check_new_repos"
COMMANDS = ("resolve-repo", "resolve-builds")


def missing_pieces() -> str | None:
    """Why the resolution step cannot run (one line), or None when everything is there."""
    from django.core.management import get_commands

    module, _, name = RESOLUTION_TASK.rpartition(".")
    try:
        if not callable(getattr(importlib.import_module(module), name, None)):
            return f"{RESOLUTION_TASK} does not exist"
        importlib.import_module("resolution.models").ResolutionRun  # noqa: B018
    except (ImportError, AttributeError) as exc:
        return f"resolution services missing: {exc}"
    absent = [c for c in COMMANDS if c not in get_commands()]
    if absent:
        return f"manage.py {', '.join(absent)} missing"
    return None


@dataclass(frozen=True)
class RunFigures:
    """A finished resolution run, as its row says."""

    run_id: int
    kind: str
    seconds: float
    #: from the trigger to the run's creation: repo check, download, sack, base buildroot
    check_seconds: float
    packages: int
    solved: int
    reused: int
    changed: int
    problems: int
    chunks: int

    @classmethod
    def of(cls, run: Any, started: float) -> RunFigures:
        """The figures of a finished run row, timed from ``started`` (epoch seconds)."""
        return cls(
            run_id=run.pk,
            kind=run.kind,
            seconds=run.finished_at.timestamp() - started,
            check_seconds=run.started_at.timestamp() - started,
            packages=run.packages,
            solved=run.solved,
            reused=run.reused,
            changed=run.changed,
            problems=run.problems,
            chunks=run.chunks_total,
        )


def _last_run_id() -> int:
    from resolution.models import ResolutionRun

    last = ResolutionRun.objects.order_by("-id").values_list("id", flat=True).first()
    return int(last or 0)


def _finished(after_id: int, repo_id: int) -> Any:
    """The run of ``repo_id`` started after ``after_id`` once it is over; raises BenchError
    when the repo check decided not to resolve (repo unusable, base buildroot broken)."""
    from packages.models import Collection
    from resolution.models import ResolutionRun, RunState

    run = (
        ResolutionRun.objects.filter(collection__name=COLLECTION, repo_id=repo_id, id__gt=after_id)
        .order_by("-id")
        .first()
    )
    if run is not None and run.state == RunState.FAILED:
        raise BenchError(f"the run of repo {repo_id} failed: {run.error}")
    if run is not None and run.state != RunState.RUNNING:
        return run
    collection = Collection.objects.get(name=COLLECTION)
    if run is None and collection.latest_repo_id == repo_id and not collection.latest_repo_resolved:
        raise BenchError(f"the base buildroot of repo {repo_id} does not install")
    return None


def resolve_new_repo(repo_id: int, timeout: float) -> RunFigures:
    """Trigger the repo check on the workers and wait until repo ``repo_id`` is resolved."""
    from django_q.tasks import async_task

    after = _last_run_id()
    started = time.time()
    async_task(RESOLUTION_TASK)
    run = wait_for(f"the resolution of repo {repo_id}", lambda: _finished(after, repo_id), timeout)
    if run.state != "done":
        raise BenchError(f"the run of repo {repo_id} ended {run.state}")
    return RunFigures.of(run, started)


def run_command(stack: Stack, args: list[str], timeout: float) -> dict[str, float]:
    """Run a resolution command; its ``name=value`` summary, with ``seconds`` replaced by
    the wall time seen here and ``peak_rss_mb`` the command's peak memory."""
    command = stack.manage(args, timeout)
    out = command.stdout
    lines = [line for line in out.splitlines() if "packages=" in line]
    if not lines:
        raise BenchError(f"manage.py {args[0]} printed no summary: {out.strip()[-200:]}")
    summary: dict[str, float] = {}
    for token in lines[-1].split():
        key, sep, value = token.partition("=")
        if sep:
            try:
                summary[key] = float(value)
            except ValueError:
                continue
    summary["seconds"] = command.seconds
    summary["peak_rss_mb"] = command.peak_rss_mb
    return summary
