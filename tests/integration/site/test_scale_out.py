"""Scale out: two hosts (each a `manage.py qcluster` with its own repo cache) on one
PostgreSQL and one Redis queue share a repo resolution and the scheduling, never do
anything twice, and the work of a host killed mid-task is finished by the other.

Redis hands a task to one host and forgets it (no delivery receipts): a killed host's
tasks are gone, and Koschei's repo check re-enqueues the resolution chunks that are
overdue.  Both are shown here, on a real Redis at 127.0.0.1:6379 with a queue name of
this test's own.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from builds.models import Build
from packages.models import Collection, Package
from packages.states import BuildState
from resolution.models import ResolutionChange, ResolutionChunk, ResolutionRun, RunState
from tests.conftest import use_kojisim
from tests.services import (
    Deployment,
    deployment,
    reachable,
    redis_queue,
    redis_queue_length,
    service_env,
    start_workers,
    wait_for,
    write_config,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not reachable(("127.0.0.1", 6379)), reason="no Redis on 127.0.0.1:6379"),
]

OVERDUE = 3  # seconds after which the repo check re-enqueues an open chunk
LATENCY = 3.0  # seconds kojisim waits before serving each repodata file


@pytest.fixture
def hub(kojisim_fresh, settings, tmp_path):
    """The small scenario (its builds are old: every resolved package is due) as Koji."""
    config = use_kojisim(settings, kojisim_fresh)
    config = copy.deepcopy(config)
    config["directories"]["cachedir"] = str(tmp_path / "test-cache")
    settings.KOSCHEI = config
    return kojisim_fresh


@pytest.fixture
def f42(hub, sudo_user):
    """Collection f42 with every unblocked package tracked and its real builds."""
    call_command("create-collection", "f42", "-d", "F", "-t", "f42", "--dest-tag", "f42")
    call_command("refresh-packages", "f42")
    Package.objects.filter(collection__name="f42", blocked=False).update(tracked=True)
    call_command("refresh-builds", "f42")
    return Collection.objects.get(name="f42")


@pytest.fixture
def cluster(hub, tmp_path) -> Iterator[tuple[Deployment, str]]:
    """A deployment on a private Redis queue; yields it and the queue's name."""
    overrides = {
        "dependency": {"chunk_overdue_seconds": OVERDUE},
        "koji_config": {"load_threshold": 1.0},  # the scenario's hosts never hold a build
    }
    config = write_config(tmp_path / "koschei.cfg", hub, overrides)
    with redis_queue() as (url, name):
        env = service_env(
            config, KOSCHEI_REDIS_URL=url, KOSCHEI_QUEUE_NAME=name, KOSCHEI_WORKERS="2"
        )
        with deployment(tmp_path / "hosts", env) as running:
            yield running, name


def touched(cachedir: Path) -> bool:
    """The host has begun to fetch a repo into its cache."""
    return any(path.is_file() for path in cachedir.rglob("*"))


def test_a_killed_hosts_share_of_a_repo_resolution_is_finished_by_the_other_host(f42, hub, cluster):
    running, _queue = cluster
    admin, first, second = (running.host(name) for name in ("admin", "host-a", "host-b"))
    start_workers(first, second)
    # Slow repodata downloads keep both hosts busy with their chunk long enough to kill one.
    hub.sim("addFault", {"kind": "latency", "path": "repos/*", "delay": LATENCY, "count": -1})

    admin.run("check-repos")  # the new repo: a full run whose chunks go to the workers
    run = ResolutionRun.objects.get(collection=f42)
    assert (run.chunks_total, run.state) == (2, RunState.RUNNING)
    wait_for(
        lambda: touched(first.cachedir) and touched(second.cachedir),
        timeout=90,
        what="both hosts working on the run",
        diagnose=running.logs,
    )
    first.kill()
    run.refresh_from_db()
    assert run.state == RunState.RUNNING and run.chunks_done < run.chunks_total

    # The surviving host finishes its own chunk; the killed host's chunk is lost with it.
    wait_for(
        lambda: ResolutionChunk.objects.filter(run=run, done=True).count() == 1,
        timeout=120,
        what="the surviving host's chunk",
        diagnose=running.logs,
    )
    lost = ResolutionChunk.objects.get(run=run, done=False)
    wait_for(
        lambda: timezone.now() - lost.enqueued_at > timedelta(seconds=OVERDUE + 1),
        timeout=OVERDUE + 5,
        what="the lost chunk to be overdue",
    )
    admin.run("check-repos")  # the repo check's next round re-enqueues it

    wait_for(
        lambda: ResolutionRun.objects.filter(pk=run.pk, state=RunState.DONE).exists(),
        timeout=120,
        what="the run to finish on the surviving host",
        diagnose=running.logs,
    )
    lost.refresh_from_db()
    assert lost.done and lost.attempts == 1
    assert list(ResolutionRun.objects.filter(collection=f42).values_list("repo_id", "state")) == [
        (run.repo_id, RunState.DONE)
    ]
    run.refresh_from_db()
    assert run.chunks_done == run.chunks_total == 2
    eligible = Package.objects.filter(collection=f42, tracked=True, blocked=False)
    assert run.packages == eligible.count()
    assert not eligible.filter(resolved__isnull=True).exists()
    # every package's outcome was recorded once, by one of the hosts
    changes = Counter(ResolutionChange.objects.values_list("package__name", flat=True))
    assert changes and max(changes.values()) == 1
    assert "resolve_repo_chunk" in second.log("qcluster")


def test_two_hosts_share_the_scheduling_and_submit_every_due_package_once(f42, hub, cluster):
    running, queue = cluster
    call_command("resolve-repo", "f42")  # a resolved collection whose packages are all due
    due = set(Package.objects.filter(collection=f42, resolved=True).values_list("name", flat=True))
    assert len(due) > 10
    admin, first, second = (running.host(name) for name in ("admin", "host-a", "host-b"))
    start_workers(first, second)

    decisions = len(due) + 6  # more decisions than packages: the last ones find nothing
    admin.enqueue("builds.tasks.schedule_builds", count=decisions)

    def made() -> list[int]:
        return [host.log("qcluster").count("schedule_builds: ") for host in (first, second)]

    wait_for(
        lambda: redis_queue_length(queue) == 0 and sum(made()) == decisions,
        timeout=180,
        what="every decision made",
        diagnose=running.logs,
    )
    assert min(made()) > 0  # both hosts decided

    # the packages a decision passes over for good (no arch left, say) are marked so
    submittable = set(
        Package.objects.filter(name__in=due, scheduler_skip_reason__isnull=True).values_list(
            "name", flat=True
        )
    )
    assert len(submittable) > 10
    builds = list(Build.objects.filter(real=False).values_list("package__name", "state", "task_id"))
    assert sorted(name for name, _state, _task in builds) == sorted(submittable)
    assert {state for _name, state, _task in builds} == {BuildState.RUNNING}
    # Koji has exactly one scratch build per package, the one Koschei recorded
    tasks = hub.session().listTasks(opts={"method": "build", "decode": True})
    scratch = [t for t in tasks if (t["request"][2:3] or [{}])[0].get("scratch")]
    assert sorted(t["id"] for t in scratch) == sorted(task for _n, _s, task in builds)
    srpms = Counter(t["request"][0].rsplit("/", 1)[-1] for t in scratch)
    assert max(srpms.values()) == 1
