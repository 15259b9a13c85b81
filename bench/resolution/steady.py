"""The steady-state full run: the same repo resolved again in full by the workers, once
every package has a resolved last build.

Every package's dependency changes are then computed against its last build's install
set: the case a running service meets when a core library update touches every
buildroot.  The repo check that forces it (``check_collection(force=True, full=True)``,
what the operator's ``resolve-repo --full`` runs in one process) runs here and
enqueues the run's chunks for the workers; the time goes from the check's start to the
run's ``finished_at``.
"""

from __future__ import annotations

import time
from typing import Any

from bench.resolution.ingest import COLLECTION
from bench.resolution.procs import wait_for
from bench.resolution.report import BenchError
from bench.resolution.resolve import RunFigures


def _over(run_id: int) -> Any:
    from resolution.models import ResolutionRun, RunState

    run = ResolutionRun.objects.get(pk=run_id)
    return None if run.state == RunState.RUNNING else run


def steady_full_run(timeout: float) -> RunFigures:
    """Force a full resolution of the collection's latest repo on the workers; its figures."""
    from builds.koji import KojiSessions
    from packages.models import Collection
    from resolution.services.repo_check import check_collection

    collection = Collection.objects.get(name=COLLECTION)
    started = time.time()
    check = check_collection(
        collection=collection, sessions=KojiSessions.from_settings(), full=True, force=True
    )
    if check.run is None:
        raise BenchError(f"the forced repo check started no run: {check}")
    run_id = check.run.pk
    run = wait_for(f"the steady-state run {run_id}", lambda: _over(run_id), timeout)
    if run.state != "done":
        raise BenchError(f"the steady-state run {run.pk} ended {run.state}: {run.error}")
    return RunFigures.of(run, started)
