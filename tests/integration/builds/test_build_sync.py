"""Build state synchronisation through kojisim (spec 3.6, 3.9): polls, cancels, follow-ups."""

from __future__ import annotations

import copy
import logging
from datetime import timedelta
from pathlib import Path

import koji as koji_lib
import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from builds import tasks
from builds.koji import KojiSessions, KojiUnavailable
from builds.models import Build, KojiTask
from builds.services import request_cancel
from builds.services.build_sync import Outcome, sync_builds
from builds.services.build_sync import _apply as apply_verdict
from builds.services.build_sync import _ask_koji as ask_koji
from builds.services.build_sync import _running_builds as running_builds
from builds.services.submit import submit_build
from packages.models import Collection, Package
from packages.signals import package_state_changed
from packages.states import BuildState, KojiTaskState, LogEnvironment
from resolution.models import AppliedChange
from tests.concurrency import race
from tests.conftest import use_kojisim
from tests.factories import make_build

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = Path(__file__).resolve().parents[3] / "kojisim" / "scenarios" / "small.yaml"


def sessions() -> KojiSessions:
    return KojiSessions.from_settings()


def setup_f42(hub, settings, tmp_path) -> Collection:
    """f42 on ``hub``: packages tracked, real builds registered, Koji's repo as latest."""
    config = copy.deepcopy(settings.KOSCHEI)
    config["directories"]["cachedir"] = str(tmp_path / "cache")
    # kojisim's small scenario starts in 2024: its tasks would all be past the 48 h timeout.
    config["koji_config"]["task_timeout"] = 100 * 365 * 86400
    settings.KOSCHEI = config
    call_command("create-collection", "f42", "-d", "F", "-t", "f42", "--dest-tag", "f42")
    call_command("refresh-packages", "f42")
    Package.objects.filter(collection__name="f42", blocked=False).update(tracked=True)
    call_command("refresh-builds", "f42")
    repo_id = hub.session().getRepo("f42-build")["id"]
    Collection.objects.filter(name="f42").update(latest_repo_id=repo_id, latest_repo_resolved=True)
    return Collection.objects.get(name="f42")


@pytest.fixture
def f42(koji_hub, settings, tmp_path, sudo_user):
    return setup_f42(koji_hub, settings, tmp_path)


def package(name: str) -> Package:
    return Package.objects.select_related("collection").get(name=name, collection__name="f42")


def submit(name: str, **kwargs) -> Build:
    build = submit_build(package=package(name), sessions=sessions(), **kwargs)
    assert build is not None
    return build


def reload(build: Build) -> Build:
    return Build.objects.get(pk=build.pk)


@pytest.fixture
def state_changes():
    """package_state_changed as received: (package id, previous, new, inside a transaction)."""
    received: list[tuple[int, str, str, bool]] = []

    def receiver(sender, package_id, previous, new, **kwargs):
        received.append((package_id, previous, new, connection.in_atomic_block))

    package_state_changed.connect(receiver)
    yield received
    package_state_changed.disconnect(receiver)


def test_a_closed_task_makes_the_build_complete_with_its_tasks_and_repo(f42, koji_hub):
    build = submit("foo")
    previous = package("foo").last_complete_build_id
    koji_hub.sim("finishTasks", [build.task_id], "CLOSED")
    figures = sync_builds(sessions=sessions())
    assert figures[Outcome.COMPLETE] == 1 and figures.polled == 1
    session = koji_hub.session()
    info = session.getTaskInfo(build.task_id)
    children = session.getTaskChildren(build.task_id, request=True)
    build = reload(build)
    assert build.state == BuildState.COMPLETE
    assert build.repo_id == f42.latest_repo_id == children[0]["request"][-1]["repo_id"]
    assert build.started.timestamp() == info["create_ts"]
    assert build.finished.timestamp() == info["completion_ts"]
    arch_tasks = {c["id"]: c["arch"] for c in children if c["method"] == "buildArch"}
    rows = KojiTask.objects.filter(build=build)
    assert {t.task_id: t.arch for t in rows} == arch_tasks and len(arch_tasks) == 2
    assert {t.state for t in rows} == {KojiTaskState.CLOSED}
    foo = package("foo")
    assert foo.last_build_id == foo.last_complete_build_id == build.pk != previous
    assert foo.last_complete_build_state == BuildState.COMPLETE and build.last_complete


def test_a_failed_task_makes_the_package_failing_with_the_failed_build_bonus(
    f42, koji_hub, state_changes
):
    Package.objects.filter(pk=package("foo").pk).update(manual_priority=30, build_priority=7)
    build = submit("foo")
    koji_hub.sim("finishTasks", [build.task_id], "FAILED")
    assert sync_builds(sessions=sessions())[Outcome.FAILED] == 1
    foo = package("foo")
    assert reload(build).state == BuildState.FAILED
    assert foo.last_complete_build_id == build.pk and foo.state_string == "failing"
    assert (foo.manual_priority, foo.build_priority) == (0, 200)  # previous build: complete
    assert state_changes == [(foo.pk, "ok", "failing", False)]  # sent after commit
    again = submit("foo")
    koji_hub.sim("finishTasks", [again.task_id], "FAILED")
    sync_builds(sessions=sessions())
    assert package("foo").build_priority == 0  # its own previous build failed too (spec 8.1)
    assert len(state_changes) == 1  # failing -> failing is no change


def test_the_failed_build_bonus_ignores_other_packages_builds(f42, koji_hub):
    bar = package("bar")
    make_build(bar, BuildState.FAILED, started=timezone.now() - timedelta(seconds=1))
    build = submit("foo")
    koji_hub.sim("finishTasks", [build.task_id], "FAILED")
    sync_builds(sessions=sessions())
    assert package("foo").build_priority == 200


def test_a_running_build_gets_its_repo_and_arch_tasks_before_it_ends(f42, koji_hub):
    build = submit("foo")
    koji_hub.sim("advanceClock", 5)
    assert sync_builds(sessions=sessions())[Outcome.RUNNING] == 1
    build = reload(build)
    assert build.state == BuildState.RUNNING and build.finished is None
    assert build.repo_id == f42.latest_repo_id
    rows = KojiTask.objects.filter(build=build)
    assert {t.arch for t in rows} == {"x86_64", "aarch64"}
    assert all(t.state in (KojiTaskState.OPEN, KojiTaskState.FREE) for t in rows)
    assert package("foo").last_build_id == build.pk != package("foo").last_complete_build_id
    koji_hub.sim("finishTasks", [build.task_id], "CLOSED")
    sync_builds(sessions=sessions())
    rows = KojiTask.objects.filter(build=build)
    assert rows.count() == 2 and {t.state for t in rows} == {KojiTaskState.CLOSED}


def test_a_cancel_request_is_carried_out_in_koji_and_the_build_is_dropped(
    f42, koji_hub, staff_user, state_changes
):
    real = package("foo").last_complete_build_id
    build = submit("foo")
    koji_hub.sim("advanceClock", 5)
    request_cancel(build=build, user=staff_user, environment=LogEnvironment.ADMIN)
    assert sync_builds(sessions=sessions())[Outcome.CANCELED] == 1
    assert koji_hub.session().getTaskInfo(build.task_id)["state"] == KojiTaskState.CANCELED
    assert not Build.objects.filter(pk=build.pk).exists()
    foo = package("foo")
    assert foo.last_build_id == foo.last_complete_build_id == real
    assert state_changes == []


def test_a_build_running_past_the_task_timeout_is_canceled(f42, koji_hub, settings):
    config = copy.deepcopy(settings.KOSCHEI)
    config["koji_config"]["task_timeout"] = 48 * 3600
    settings.KOSCHEI = config
    build = submit("foo")
    fresh = submit("bar")
    Build.objects.filter(pk=build.pk).update(started=timezone.now() - timedelta(hours=49))
    figures = sync_builds(sessions=sessions())
    assert (figures[Outcome.CANCELED], figures[Outcome.RUNNING]) == (1, 1)
    assert koji_hub.session().getTaskInfo(build.task_id)["state"] == KojiTaskState.CANCELED
    assert list(Build.objects.running()) == [fresh]


def test_a_task_canceled_in_koji_by_someone_else_is_an_infrastructure_failure(
    f42, koji_hub, state_changes
):
    real = package("foo").last_complete_build_id
    build = submit("foo")
    koji_hub.session("koschei", "koschei").cancelTask(build.task_id)
    assert sync_builds(sessions=sessions())[Outcome.INFRASTRUCTURE] == 1
    build = reload(build)
    assert (build.state, build.infra_failure) == (BuildState.FAILED, "task canceled in Koji")
    assert build.finished is not None and not build.last_complete
    foo = package("foo")
    assert foo.last_build_id == foo.last_complete_build_id == real
    assert foo.state_string == "ok" and state_changes == []


def test_a_vanished_task_is_kept_as_an_infrastructure_failure(f42):
    foo = package("foo")
    real = foo.last_complete_build_id
    vanished = make_build(foo, BuildState.RUNNING, task_id=987654)
    assert sync_builds(sessions=sessions())[Outcome.VANISHED] == 1
    vanished = reload(vanished)
    assert vanished.state == BuildState.FAILED and vanished.repo_id is None
    assert vanished.infra_failure == "task unknown to Koji" and vanished.finished is not None
    assert package("foo").last_build_id == package("foo").last_complete_build_id == real


@pytest.fixture
def lock_failing_hub(kojisim_server, settings, tmp_path):
    """A small-scenario kojisim where qux's builders always hit a Koji lock error."""
    scenario = yaml.safe_load(SMALL.read_text())
    scenario["rules"].insert(0, {"package": "qux", "fail": True, "fault": "lock"})
    path = tmp_path / "lock.yaml"
    path.write_text(yaml.safe_dump(scenario))
    hub = kojisim_server(path, speed=0.0)
    use_kojisim(settings, hub)
    return hub


def test_an_infrastructure_failure_is_not_recorded_as_a_package_failure(
    lock_failing_hub, settings, tmp_path, sudo_user, state_changes, caplog
):
    setup_f42(lock_failing_hub, settings, tmp_path)
    before = package("qux")
    build = submit("qux")
    lock_failing_hub.sim("finishTasks", [build.task_id])
    assert lock_failing_hub.session().getTaskInfo(build.task_id)["state"] == KojiTaskState.FAILED
    with caplog.at_level(logging.WARNING, logger="builds.services.build_sync"):
        figures = sync_builds(sessions=sessions())
    assert (figures[Outcome.INFRASTRUCTURE], figures[Outcome.FAILED]) == (1, 0)
    assert f"task {build.task_id}) failed on Koji's side: LockError" in caplog.text
    build = reload(build)
    assert build.state == BuildState.FAILED and build.is_infra_failure
    assert build.infra_failure.startswith("LockError: Unable to obtain lock on buildroot")
    assert (
        build.repo_id is not None and KojiTask.objects.filter(build=build).count() == 1
    )  # x86_64 only
    assert not build.last_complete and build.deps_resolved is None
    qux = package("qux")
    assert qux.state_string == before.state_string == "ok"
    assert qux.last_build_id == qux.last_complete_build_id == before.last_complete_build_id
    assert qux.build_priority == before.build_priority == 0
    assert state_changes == []
    # The build resolver never takes it for a build to resolve.
    assert not Build.objects.unprocessed().filter(pk=build.pk).exists()


def test_koji_faults_leave_builds_running_and_are_reported_in_one_line(f42, koji_hub, caplog):
    build = submit("foo")
    koji_hub.sim("finishTasks", [build.task_id], "FAILED")
    koji_hub.sim("addFault", {"kind": "fault", "method": "getTaskChildren", "code": 1001,
                              "count": -1})  # fmt: skip
    with pytest.raises(KojiUnavailable, match="getTaskChildren"):
        sync_builds(sessions=sessions())
    with caplog.at_level(logging.WARNING, logger="builds.tasks"):
        assert tasks.poll_builds() == 0
    assert "poll_builds: Koji failed, builds left running" in caplog.text
    with pytest.raises(CommandError) as caught:
        call_command("sync-builds")
    assert "\n" not in str(caught.value) and "getTaskChildren" in str(caught.value)
    koji_hub.sim("clearFaults")
    # A fault answer of getTaskResult is the task's own result; the transport failing is not.
    koji_hub.sim("addFault", {"kind": "http500", "method": "getTaskResult", "count": -1})
    with pytest.raises(KojiUnavailable, match="task_failed_on_infrastructure"):
        sync_builds(sessions=sessions())
    assert reload(build).state == BuildState.RUNNING
    assert not KojiTask.objects.filter(build=build).exists()
    assert package("foo").state_string == "ok"
    koji_hub.sim("clearFaults")
    assert sync_builds(sessions=sessions())[Outcome.FAILED] == 1


def test_a_finished_build_has_its_dependencies_resolved_after_commit(f42, koji_hub):
    koji_hub.sim("advanceClock", 3600)
    koji_hub.sim("newBuild", "gcc", {"version": "15.0.1"})
    repo_id = int(koji_hub.sim("regenRepo", "f42-build")["id"])
    Collection.objects.filter(pk=f42.pk).update(latest_repo_id=repo_id)
    call_command("resolve-builds", "f42")  # the real builds' dependency sets first
    build = submit("foo")
    koji_hub.sim("finishTasks", [build.task_id], "CLOSED")
    assert reload(build).deps_resolved is None
    sync_builds(sessions=sessions())
    build = reload(build)
    assert build.repo_id == repo_id and build.deps_resolved is True and build.dependency_ids
    changes = AppliedChange.objects.filter(build=build).select_related("curr_dep")
    assert {(c.dep_name, c.curr_dep.version) for c in changes} >= {("gcc", "15.0.1")}


def test_syncing_twice_changes_nothing(f42, koji_hub, state_changes):
    done = submit("foo")
    running = submit("bar")
    koji_hub.sim("finishTasks", [done.task_id], "FAILED")
    koji_hub.sim("advanceClock", 5)
    sync_builds(sessions=sessions())

    def snapshot():
        return (
            list(Build.objects.order_by("pk").values()),
            list(KojiTask.objects.order_by("pk").values()),
            list(Package.objects.order_by("pk").values()),
        )

    before = snapshot()
    figures = sync_builds(sessions=sessions())
    assert (figures.polled, figures[Outcome.RUNNING]) == (1, 1)
    assert snapshot() == before
    assert len(state_changes) == 1
    assert reload(running).state == BuildState.RUNNING


def test_two_pollers_apply_a_finished_build_once(f42, koji_hub, state_changes):
    build = submit("foo")
    koji_hub.sim("finishTasks", [build.task_id], "FAILED")
    polled = running_builds(None)
    verdicts = ask_koji(sessions(), polled)
    outcomes: list[Outcome] = []
    waited = race(
        lambda: outcomes.append(apply_verdict(polled[0], verdicts[0])),
        lambda: outcomes.append(apply_verdict(polled[0], verdicts[0])),
    )
    assert waited, "the second poller never waited for the build's row lock"
    assert outcomes == [Outcome.FAILED, Outcome.SKIPPED]
    assert KojiTask.objects.filter(build=build).count() == 2
    assert [(p, n) for _, p, n, _ in state_changes] == [("ok", "failing")]


def test_sync_build_task_follows_only_its_own_task(f42, koji_hub, caplog):
    mine = submit("foo")
    other = submit("bar")
    koji_hub.sim("finishTasks")
    with caplog.at_level(logging.INFO, logger="builds.tasks"):
        assert tasks.sync_build(mine.task_id) == 1
    assert f"sync_build {mine.task_id}: polled=1 running=0 complete=1" in caplog.text
    assert reload(mine).state == BuildState.COMPLETE
    assert reload(other).state == BuildState.RUNNING
    assert tasks.poll_builds() == 1
    assert reload(other).state == BuildState.COMPLETE


def test_sync_builds_command_prints_one_summary_line(f42, koji_hub, capsys):
    first = submit("foo")
    submit("bar")
    koji_hub.sim("finishTasks", [first.task_id], "FAILED")
    call_command("sync-builds", "--task", str(first.task_id))
    out = capsys.readouterr().out
    assert out == (
        "polled=1 running=0 complete=0 failed=1 canceled=0 infrastructure=0 vanished=0 "
        "no_repo=0 skipped=0\n"
    )
    call_command("sync-builds")
    assert capsys.readouterr().out.startswith("polled=1 running=1 complete=0 failed=0")


@pytest.fixture
def koji_calls(monkeypatch):
    """Every XML-RPC request the koji client sends, with whether a transaction was open."""
    calls: list[tuple[str, bool]] = []
    send = koji_lib.ClientSession._prepCall

    def recording(self, name, *args, **kwargs):
        calls.append((name, connection.in_atomic_block))
        return send(self, name, *args, **kwargs)

    monkeypatch.setattr(koji_lib.ClientSession, "_prepCall", recording)
    return calls


def test_sync_builds_asks_koji_outside_any_transaction(f42, koji_hub, staff_user, koji_calls):
    failed = submit("foo")
    canceled = submit("bar")
    request_cancel(build=canceled, user=staff_user, environment=LogEnvironment.ADMIN)
    koji_hub.sim("finishTasks", [failed.task_id], "FAILED")
    koji_calls.clear()
    call_command("sync-builds")
    names = {name for name, _ in koji_calls}
    assert {"multiCall", "cancelTask", "getTaskResult"} <= names
    assert [name for name, atomic in koji_calls if atomic] == []
    assert reload(failed).state == BuildState.FAILED
    assert not Build.objects.filter(pk=canceled.pk).exists()
