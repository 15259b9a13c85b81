"""Fault tolerance (DESIGN 12): a faulty Koji, killed workers and a lost message broker lose
no build, submit none twice, leave no half-written state, and the next runs catch up.

Everything runs against kojisim over HTTP (faults injected through its ``sim.*`` API) and
the real PostgreSQL; workers that are killed run the real task functions in their own
processes (``tests/workers.py``).
"""

from __future__ import annotations

import copy
import importlib
import shutil
import socket
import subprocess
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from builds.koji import KojiSessions, KojiUnavailable
from builds.koji_submission import SubmissionUnclear
from builds.messaging.consumer import SYNC_BUILD
from builds.messaging.watcher import Backoff, QueueSpec, Watcher
from builds.models import Build, KojiTask, SubmissionClaim
from builds.services.build_sync import Outcome as SyncOutcome
from builds.services.build_sync import sync_builds
from builds.services.cancel import request_cancel
from builds.services.scheduler import Outcome, schedule_build, settle_claims
from builds.services.submit import submit_build
from builds.tasks import poll_builds, sync_build
from packages.models import Collection, Package
from packages.states import BuildState, KojiTaskState, LogEnvironment
from resolution.models import PackageResolution, ResolutionChunk, ResolutionRun
from resolution.services.repo_check import check_collection
from resolution.tasks import resolve_repo_chunk
from tests.conftest import use_kojisim
from tests.tcp_proxy import TcpProxy
from tests.workers import (
    Worker,
    blocked_queries,
    task_call,
    wait_until,
    waiting_for_lock,
    worker_env,
)

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = Path(__file__).resolve().parents[3] / "kojisim" / "scenarios" / "small.yaml"
OFF = -100_000  # far below the threshold


def start_hub(kojisim_server, settings, tmp_path, extra=()):
    """A private small-scenario kojisim whose simulated clock starts now (frozen), so the
    builds it makes are recent and a finished package is not due again at once."""
    scenario = yaml.safe_load(SMALL.read_text())
    scenario["start"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = tmp_path / "small-now.yaml"
    path.write_text(yaml.safe_dump(scenario))
    server = kojisim_server(path, speed=0.0, extra=list(extra))
    use_kojisim(settings, server)
    config = copy.deepcopy(settings.KOSCHEI)
    config["directories"]["cachedir"] = str(tmp_path / "cache")
    settings.KOSCHEI = config
    return server


@pytest.fixture
def hub(kojisim_server, settings, tmp_path):
    return start_hub(kojisim_server, settings, tmp_path)


def setup_f42(hub) -> Collection:
    """Collection f42: every package tracked, resolved, built recently, below the threshold."""
    call_command("create-collection", "f42", "-d", "F", "-t", "f42", "--dest-tag", "f42")
    call_command("refresh-packages", "f42")
    Package.objects.filter(collection__name="f42", blocked=False).update(tracked=True)
    call_command("refresh-builds", "f42")
    repo_id = hub.session().getRepo("f42-build")["id"]
    Collection.objects.filter(name="f42").update(latest_repo_id=repo_id, latest_repo_resolved=True)
    Build.objects.update(started=timezone.now() - timedelta(hours=1))
    Package.objects.update(resolved=True, manual_priority=OFF)
    return Collection.objects.get(name="f42")


@pytest.fixture
def f42(hub, sudo_user):
    return setup_f42(hub)


@pytest.fixture
def sessions(hub):
    own = KojiSessions.from_settings()
    yield own
    own.close()


def package(name: str) -> Package:
    return Package.objects.select_related("collection").get(name=name, collection__name="f42")


def due(*names: str) -> None:
    Package.objects.filter(collection__name="f42", name__in=names).update(manual_priority=1000)


def scratch_tasks(hub, name: str | None = None) -> list[dict]:
    """Koji's scratch build tasks (of one package), oldest first."""
    tasks = hub.session().listTasks(opts={"method": "build", "decode": True})
    scratch = [t for t in tasks if (t["request"][2:3] or [{}])[0].get("scratch")]
    if name is not None:
        scratch = [t for t in scratch if f"/packages/{name}/" in t["request"][0]]
    return sorted(scratch, key=lambda t: t["id"])


def running(name: str) -> list[Build]:
    return list(Build.objects.filter(package=package(name), state=BuildState.RUNNING))


# -- submissions whose outcome is unclear -------------------------------------------------


def test_a_lost_reply_is_never_matched_to_an_older_task_of_the_same_srpm(f42, hub, sessions):
    first = submit_build(package=package("foo"), sessions=sessions)
    hub.sim("finishTasks", [first.task_id], "CLOSED")
    hub.sim("addFault", {"kind": "drop", "method": "build", "count": -1})
    with pytest.raises(KojiUnavailable, match="submit_build"):
        submit_build(package=package("foo"), sessions=sessions)
    assert [t["id"] for t in scratch_tasks(hub, "foo")] == [first.task_id]
    assert list(Build.objects.filter(task_id=first.task_id)) == [first]


def test_a_submission_koji_cannot_account_for_keeps_its_claim_until_koji_can(f42, hub, sessions):
    due("foo")
    # Every try of build runs and loses its reply; once the (delayed) first try has reached
    # Koji, listing tasks fails too, so nobody can tell whether the task exists.
    hub.sim("addFault", {"kind": "latency", "method": "build", "delay": 2, "count": 1})
    hub.sim("addFault", {"kind": "drop_after", "method": "build", "count": -1})

    def break_the_look_up():
        if wait_until(lambda: hub.sim("status")["faults_fired"].get("latency", 0) == 1, 60):
            hub.sim("addFault", {"kind": "http500", "method": "listTasks", "count": -1})

    breaker = threading.Thread(target=break_the_look_up)
    breaker.start()
    try:
        with pytest.raises(SubmissionUnclear, match="whether the task exists is unknown"):
            schedule_build(sessions=sessions)
    finally:
        breaker.join(90)
    claim = SubmissionClaim.objects.get()
    assert claim.outcome_unknown and claim.submission["srpm_url"].endswith("foo-1.0-1.fc42.src.rpm")
    hub.sim("clearFaults")
    assert len(scratch_tasks(hub, "foo")) == 1 and running("foo") == []
    # Koji still cannot say: the claim stays, nothing is submitted.
    hub.sim("addFault", {"kind": "http500", "method": "listTasks", "count": -1})
    with pytest.raises(KojiUnavailable):
        schedule_build(sessions=sessions)
    assert SubmissionClaim.objects.filter(outcome_unknown=True).count() == 1
    hub.sim("clearFaults")
    decision = schedule_build(sessions=sessions)
    (task,) = scratch_tasks(hub, "foo")
    assert [b.task_id for b in running("foo")] == [task["id"]]
    assert decision.outcome is Outcome.NOTHING and not SubmissionClaim.objects.exists()


def dead_scheduler(hub, tmp_path, *, koji_runs_the_build: bool) -> None:
    """A scheduler process killed while Koji holds its build call (delayed by latency):
    its claim, with what it submitted, stays; Koji runs the call, or drops it."""
    hub.sim("addFault", {"kind": "latency", "method": "build", "delay": 4, "count": 1})
    if not koji_runs_the_build:
        hub.sim("addFault", {"kind": "drop", "method": "build", "count": 1})
    worker = Worker(
        worker_env(tmp_path), task_call("builds.tasks.schedule_builds"), tmp_path / "sched.log"
    )
    try:
        held = wait_until(
            lambda: SubmissionClaim.objects.filter(submission__isnull=False).exists(), 60
        )
        assert held, worker.output()
        assert wait_until(lambda: hub.sim("status")["faults_fired"].get("latency", 0) == 1, 10)
    finally:
        worker.kill()


@pytest.mark.parametrize("koji_runs_the_build", [True, False])
def test_a_claim_left_by_a_killed_scheduler_is_settled_from_koji_never_submitted_twice(
    f42, hub, sessions, tmp_path, koji_runs_the_build
):
    due("foo")
    dead_scheduler(hub, tmp_path, koji_runs_the_build=koji_runs_the_build)
    expected = 1 if koji_runs_the_build else 0
    assert wait_until(lambda: len(scratch_tasks(hub, "foo")) == expected, 15)
    claim = SubmissionClaim.objects.get()
    assert not claim.outcome_unknown and running("foo") == []
    # Before its timeout the claim holds the package back...
    assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING
    assert len(scratch_tasks(hub, "foo")) == expected
    # ...after it, the task Koji made becomes the build; without one, foo is submitted.
    SubmissionClaim.objects.update(claimed_at=timezone.now() - timedelta(hours=2))
    decision = schedule_build(sessions=sessions)
    (task,) = scratch_tasks(hub, "foo")
    assert [b.task_id for b in running("foo")] == [task["id"]]
    assert decision.outcome is (Outcome.NOTHING if koji_runs_the_build else Outcome.SUBMITTED)
    assert not SubmissionClaim.objects.exists()
    assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING
    assert len(scratch_tasks(hub, "foo")) == 1


def test_the_late_task_of_a_claim_settled_during_a_long_build_call_is_canceled(f42, hub, sessions):
    """Koji's build outlives the claim timeout; another scheduler settles the claim before
    Koji made the task (so the package is free again): the late task is recorded with a
    cancel request, and the build sync cancels it."""
    due("foo")
    hub.sim("addFault", {"kind": "latency", "method": "build", "delay": 3, "count": 1})

    def settle_meanwhile():
        try:
            if wait_until(lambda: hub.sim("status")["faults_fired"].get("latency", 0) == 1, 60):
                SubmissionClaim.objects.update(claimed_at=timezone.now() - timedelta(hours=2))
                other = KojiSessions.from_settings()
                try:
                    settle_claims(sessions=other)
                finally:
                    other.close()
        finally:
            connection.close()

    settler = threading.Thread(target=settle_meanwhile)
    settler.start()
    try:
        decision = schedule_build(sessions=sessions)
    finally:
        settler.join(60)
    (task,) = scratch_tasks(hub, "foo")
    assert decision.outcome is Outcome.NOTHING
    assert decision.skipped[0].reason.endswith(f"task {task['id']}; cancel requested")
    (late,) = running("foo")
    assert late.task_id == task["id"] and late.cancel_requested
    assert not SubmissionClaim.objects.exists()
    # The build sync carries the cancel out; then foo is built again, once.
    assert sync_builds(sessions=sessions)[SyncOutcome.CANCELED] == 1
    assert hub.session().getTaskInfo(task["id"])["state"] == KojiTaskState.CANCELED
    assert schedule_build(sessions=sessions).outcome is Outcome.SUBMITTED
    assert len(running("foo")) == 1 and len(scratch_tasks(hub, "foo")) == 2


# -- build sync: Koji's faults are never the build's --------------------------------------


def test_a_fault_of_koji_reading_a_task_result_is_not_taken_for_the_tasks(f42, hub, sessions):
    build = submit_build(package=package("foo"), sessions=sessions)
    hub.sim("finishTasks", [build.task_id], "FAILED")
    hub.sim("addFault", {"kind": "fault", "method": "getTaskResult", "code": 1001, "count": -1})
    with pytest.raises(KojiUnavailable, match="task_failed_on_infrastructure"):
        sync_builds(sessions=sessions)
    assert Build.objects.get(pk=build.pk).state == BuildState.RUNNING
    hub.sim("clearFaults")
    assert sync_builds(sessions=sessions)[SyncOutcome.FAILED] == 1
    assert package("foo").state_string == "failing"


def test_a_cancel_koji_could_not_carry_out_keeps_the_build_until_it_can(
    f42, hub, sessions, staff_user
):
    build = submit_build(package=package("foo"), sessions=sessions)
    hub.sim("advanceClock", 5)
    request_cancel(build=build, user=staff_user, environment=LogEnvironment.ADMIN)
    hub.sim("addFault", {"kind": "fault", "method": "cancelTask", "code": 1001, "count": -1})
    with pytest.raises(KojiUnavailable, match="cancel_task"):
        sync_builds(sessions=sessions)
    assert Build.objects.filter(pk=build.pk, state=BuildState.RUNNING).exists()
    assert hub.session().getTaskInfo(build.task_id)["state"] != KojiTaskState.CANCELED
    hub.sim("clearFaults")
    assert sync_builds(sessions=sessions)[SyncOutcome.CANCELED] == 1
    assert hub.session().getTaskInfo(build.task_id)["state"] == KojiTaskState.CANCELED
    assert not Build.objects.filter(pk=build.pk).exists()


# -- workers killed mid-task ----------------------------------------------------------------


def test_a_build_sync_killed_inside_a_builds_transaction_leaves_nothing_half_written(
    f42, hub, sessions, tmp_path
):
    """The worker writes foo's end, then blocks on bar's package row (held here) after it
    has written bar's times and arch tasks in the same transaction; SIGKILL then."""
    foo = submit_build(package=package("foo"), sessions=sessions)
    bar = submit_build(package=package("bar"), sessions=sessions)
    hub.sim("finishTasks", [foo.task_id], "CLOSED")
    hub.sim("finishTasks", [bar.task_id], "FAILED")
    before = Package.objects.filter(name="bar").values().get()
    with transaction.atomic():
        Package.objects.select_for_update().get(pk=bar.package_id)
        worker = Worker(
            worker_env(tmp_path), task_call("builds.tasks.poll_builds"), tmp_path / "poll.log"
        )
        try:
            assert wait_until(waiting_for_lock, 60), worker.output()
            assert any("FOR UPDATE" in q for q in blocked_queries()), worker.output()
        finally:
            assert worker.kill() == -9
    foo_done = Build.objects.get(pk=foo.pk)
    assert foo_done.state == BuildState.COMPLETE and KojiTask.objects.filter(build=foo).count() == 2
    assert package("foo").last_complete_build_id == foo.pk
    # bar: as before the sync, not one of the rows its transaction wrote.
    assert Build.objects.filter(pk=bar.pk).values("state", "finished", "repo_id").get() == {
        "state": BuildState.RUNNING,
        "finished": None,
        "repo_id": None,
    }
    assert not KojiTask.objects.filter(build=bar).exists()
    assert Package.objects.filter(name="bar").values().get() == before
    # The re-run completes the work.
    assert sync_builds(sessions=sessions)[SyncOutcome.FAILED] == 1
    assert Build.objects.get(pk=bar.pk).state == BuildState.FAILED
    assert KojiTask.objects.filter(build=bar).count() == 2
    assert package("bar").state_string == "failing"


def test_a_resolution_chunk_killed_inside_its_transaction_leaves_nothing_half_written(
    hub, sudo_user, settings, tmp_path
):
    """The worker resolves its chunk and, in the transaction that persists it, blocks on
    counting it into the run (whose row is held here); SIGKILL then."""
    call_command("create-collection", "f42", "-d", "F", "-t", "f42", "--dest-tag", "f42")
    call_command("refresh-packages", "f42")
    Package.objects.filter(collection__name="f42", blocked=False).update(tracked=True)
    call_command("refresh-builds", "f42")
    config = copy.deepcopy(settings.KOSCHEI)
    config["dependency"]["resolve_chunk_size"] = 3
    settings.KOSCHEI = config
    own = KojiSessions.from_settings()
    try:
        run = check_collection(collection=Collection.objects.get(), sessions=own, enqueue=False).run
    finally:
        own.close()
    chunk = ResolutionChunk.objects.filter(run=run).order_by("pk").first()
    with transaction.atomic():
        ResolutionRun.objects.select_for_update().get(pk=run.pk)
        worker = Worker(
            worker_env(tmp_path),
            task_call("resolution.tasks.resolve_repo_chunk", chunk.pk),
            tmp_path / "chunk.log",
        )
        try:
            assert wait_until(waiting_for_lock, 120), worker.output()
            assert any("UPDATE resolution_run" in q for q in blocked_queries()), worker.output()
        finally:
            assert worker.kill() == -9
    assert not ResolutionChunk.objects.get(pk=chunk.pk).done
    assert ResolutionRun.objects.get(pk=run.pk).chunks_done == 0
    assert not PackageResolution.objects.filter(package_id__in=chunk.package_ids).exists()
    assert not Package.objects.filter(pk__in=chunk.package_ids, resolved__isnull=False).exists()
    # The re-run completes the work.
    assert resolve_repo_chunk(chunk.pk) is True
    assert ResolutionChunk.objects.get(pk=chunk.pk).done
    assert ResolutionRun.objects.get(pk=run.pk).chunks_done == 1
    assert PackageResolution.objects.filter(package_id__in=chunk.package_ids).count() == len(
        chunk.package_ids
    )


# -- a run of polling, scheduling and build sync through a faulty Koji ----------------------

WORKER_TASKS = (
    ("builds.tasks", "refresh_packages", ()),
    ("builds.tasks", "refresh_real_builds", ()),
    ("resolution.tasks", "check_new_repos", ()),
    ("builds.tasks", "schedule_builds", (3,)),
    ("builds.tasks", "poll_builds", ()),
    ("resolution.tasks", "resolve_builds", ()),
)

# Koji misbehaving for a while: each rule fires ``count`` times, in the order calls meet it.
FAULTS = (
    {"kind": "latency", "method": "multiCall", "delay": 0.2, "count": 15},
    {"kind": "latency", "method": "build", "delay": 0.3, "count": 4},
    {"kind": "fault", "method": "getTaskChildren", "code": 1001, "count": 6},
    {"kind": "fault", "method": "getRPMHeaders", "code": 1, "string": "Traceback", "count": 4},
    {"kind": "fault", "method": "getTaskResult", "code": 1001, "count": 4},
    {"kind": "http500", "method": "listTagged", "count": 8},
    {"kind": "http500", "method": "build", "count": 2},
    {"kind": "drop", "method": "multiCall", "count": 6},
    {"kind": "drop", "method": "listTasks", "count": 4},
    {"kind": "drop_after", "method": "build", "count": 4},
    {"kind": "fault", "method": "getRepo", "code": 1001, "count": 3},
)
KOJI_DOWN = {"kind": "drop", "method": "*", "count": -1}
FAULTY_ROUNDS = 12


def worker_round(failures: list[str]) -> None:
    """Every polling, scheduling and sync task once, as workers would run them: a task that
    raises is recorded (django-q2 stores the failure) and the others still run."""
    for module, name, args in WORKER_TASKS:
        try:
            getattr(importlib.import_module(module), name)(*args)
        except Exception as exc:
            failures.append(f"{name}: {type(exc).__name__}")


def converged() -> bool:
    return not (Build.objects.running().exists() or SubmissionClaim.objects.exists()) and not (
        Package.objects.filter(collection__name="f42", manual_priority=1000).exists()
    )


def build_figures(hub, due_names: list[str]) -> dict[str, int]:
    """Koji's scratch tasks against Koschei's builds: submitted, duplicates, lost."""
    tasks = scratch_tasks(hub)
    per_package: dict[str, int] = {}
    for task in tasks:
        name = task["request"][0].rsplit("/", 1)[-1].rsplit("-", 2)[0]
        per_package[name] = per_package.get(name, 0) + 1
    known = set(Build.objects.values_list("task_id", flat=True))
    untracked = [t["id"] for t in tasks if t["id"] not in known]
    unfinished = Build.objects.running().count()
    never_built = [n for n in due_names if n not in per_package]
    return {
        "builds_submitted": len(tasks),
        "duplicates": sum(count - 1 for count in per_package.values()),
        "lost": len(untracked) + unfinished + len(never_built),
    }


def test_a_run_through_a_faulty_koji_loses_no_build_submits_none_twice_and_converges(
    f42, hub, settings, capsys
):
    config = copy.deepcopy(settings.KOSCHEI)
    config["koji_config"]["max_builds"] = 5
    settings.KOSCHEI = config
    due_names = sorted(Package.objects.filter(tracked=True).values_list("name", flat=True))
    due(*due_names)
    failures: list[str] = []
    for rule in FAULTS:
        hub.sim("addFault", rule)
    for faulty in range(1, FAULTY_ROUNDS + 1):  # Koji down altogether in rounds 5 and 6
        if faulty == 5:
            down = hub.sim("addFault", KOJI_DOWN)
        if faulty == 7:
            hub.sim("clearFaults", down["id"])
        worker_round(failures)
        hub.sim("advanceClock", 45)
    faults_fired = hub.sim("status")["faults_fired"]
    hub.sim("clearFaults")  # Koji recovers
    # One aarch64 builder runs one build at a time (120 simulated seconds each).
    rounds = FAULTY_ROUNDS
    while rounds < FAULTY_ROUNDS + 40:
        rounds += 1
        worker_round(failures)
        if converged():
            break
        hub.sim("advanceClock", 150)
    figures = {
        "faults_injected": sum(faults_fired.values()),
        **build_figures(hub, due_names),
        "task_failures": len(failures),
        "rounds": rounds,
    }
    summary = "fault-tolerance: " + " ".join(f"{k}={v}" for k, v in figures.items())
    with capsys.disabled():
        print(f"\n{summary} fired={faults_fired}")
    stuck = list(Build.objects.running().values_list("package__name", "task_id"))
    assert converged(), (summary, "still running:", stuck)
    assert figures["duplicates"] == 0 and figures["lost"] == 0, summary
    assert figures["builds_submitted"] == len(due_names), summary
    assert figures["task_failures"] > 0 and set(faults_fired) == {
        "latency",
        "fault",
        "http500",
        "drop",
        "drop_after",
    }, summary
    # Every package's state is what its build ended as in Koji.
    session = hub.session()
    for task in scratch_tasks(hub):
        build = Build.objects.select_related("package").get(task_id=task["id"])
        koji_state = session.getTaskInfo(task["id"])["state"]
        state, package_state = {
            KojiTaskState.CLOSED: (BuildState.COMPLETE, "ok"),
            KojiTaskState.FAILED: (BuildState.FAILED, "failing"),
        }[koji_state]
        assert (build.state, build.package.state_string) == (state, package_state), summary


# -- the message broker away for a while ----------------------------------------------------

PREFIX = "org.fedoraproject.prod.buildsys"


@pytest.fixture(scope="module")
def amqp_vhost():
    """A private virtual host on the local RabbitMQ, deleted afterwards."""
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        pytest.skip("no AMQP broker on 127.0.0.1:5672")
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is needed to make a private virtual host")
    vhost = f"koschei-faults-{uuid.uuid4().hex[:12]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield vhost
    rabbitmqctl("delete_vhost", vhost)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def broker_proxy(amqp_vhost):
    """A relay to RabbitMQ that the test cuts; the URL reaching the vhost through it."""
    with TcpProxy(("127.0.0.1", 5672)) as proxy:
        yield proxy, f"amqp://guest:guest@127.0.0.1:{proxy.port}/{amqp_vhost}"


def queued(task: str, *args) -> bool:
    return any(t.task["func"] == task and tuple(t.task["args"]) == args for t in OrmQ.objects.all())


def test_a_broker_away_for_a_while_loses_no_state_change_and_the_consumer_reconnects(
    kojisim_server, settings, tmp_path, sudo_user, broker_proxy, monkeypatch
):
    """kojisim publishes and the watcher consumes through a relay to RabbitMQ; while it is
    cut, builds end in Koji, their messages never come, and polling records the ends."""
    proxy, url = broker_proxy
    hub = start_hub(kojisim_server, settings, tmp_path, extra=["--amqp", url])
    setup_f42(hub)
    monkeypatch.setattr(Conf, "SYNC", False)  # what messages enqueue waits in the queue
    sessions = KojiSessions.from_settings()
    builds = {n: submit_build(package=package(n), sessions=sessions) for n in ("foo", "bar", "qux")}
    spec = QueueSpec(f"faults-{uuid.uuid4().hex}", durable=False, arguments={"x-expires": 300000})
    outcomes: list = []
    stop = threading.Event()
    watcher = Watcher(
        amqp_url=url,
        queue=spec,
        topic_prefix=PREFIX,
        backoff=Backoff(first=0.1, longest=0.5),
        on_outcome=outcomes.append,
    )

    def consume():
        try:
            watcher.run(stop.is_set)
        finally:
            connection.close()

    consumer = threading.Thread(target=consume)
    consumer.start()
    try:
        assert wait_until(lambda: watcher.connections == 1, 30)
        hub.sim("finishTasks", [builds["foo"].task_id], "CLOSED")
        assert wait_until(lambda: queued(SYNC_BUILD, builds["foo"].task_id), 60), outcomes
        proxy.cut()
        hub.sim("finishTasks", [builds["bar"].task_id], "FAILED")
        # No message can come now: the sync task (polling) records both ends.
        assert poll_builds() == 2
        assert not queued(SYNC_BUILD, builds["bar"].task_id)
        assert Build.objects.get(pk=builds["foo"].pk).state == BuildState.COMPLETE
        assert Build.objects.get(pk=builds["bar"].pk).state == BuildState.FAILED
        assert (package("foo").state_string, package("bar").state_string) == ("ok", "failing")
        assert proxy.refused > 0 or wait_until(lambda: proxy.refused > 0, 10)
        proxy.restore()
        # The watcher is back on a new connection, and Koji's messages flow again.
        assert wait_until(lambda: watcher.connections >= 2, 30)
        hub.sim("finishTasks", [builds["qux"].task_id], "CLOSED")
        assert wait_until(lambda: queued(SYNC_BUILD, builds["qux"].task_id), 90), outcomes
    finally:
        stop.set()
        consumer.join(30)
        sessions.close()
    assert sync_build(builds["qux"].task_id) == 1
    assert Build.objects.get(pk=builds["qux"].pk).state == BuildState.COMPLETE
    assert not Build.objects.running().exists()
