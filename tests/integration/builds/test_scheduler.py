"""The scheduler (spec 3.2 with section 8 fixed) against kojisim and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from builds.koji import KojiSessions
from builds.models import Build, SubmissionClaim
from builds.services.package_list import refresh_packages
from builds.services.real_builds import refresh_latest_builds
from builds.services.scheduler import (
    SCHEDULER_LOCK,
    Outcome,
    candidates,
    first_candidates,
    schedule_build,
)
from builds.tasks import schedule_builds
from packages.models import Collection, Package
from packages.states import BuildState, SkipReason

pytestmark = pytest.mark.django_db

# Every real build is made recent, so each package's time priority is the floor (-30)
# and its priority is manual_priority - 30; the threshold is 256.
FLOOR = -30
OFF = -100_000


@pytest.fixture
def sessions(koji_hub):
    """The scheduler's Koji sessions, logged out and closed after the test."""
    sessions = KojiSessions.from_settings()
    yield sessions
    sessions.close()


@pytest.fixture
def f42(koji_hub, sudo_user, sessions):
    """Collection f42 of the small scenario: every package tracked, resolved, built just
    now and far below the threshold (tests raise the ones they want)."""
    call_command("create-collection", "f42", "-d", "Fedora 42", "-t", "f42", "--dest-tag", "f42")
    collection = Collection.objects.get(name="f42")
    refresh_packages(collection=collection, sessions=sessions)
    Package.objects.filter(collection=collection).update(tracked=True)
    refresh_latest_builds(collection=collection, sessions=sessions)
    Collection.objects.filter(pk=collection.pk).update(
        latest_repo_id=100, latest_repo_resolved=True
    )
    Build.objects.update(started=timezone.now())
    Package.objects.update(resolved=True, manual_priority=OFF)
    return collection


def prioritise(collection, **priorities):
    """Give packages exactly these current priorities (manual_priority - 30)."""
    for name, priority in priorities.items():
        Package.objects.filter(collection=collection, name=name).update(
            manual_priority=priority - FLOOR
        )


def package(collection, name):
    return Package.objects.get(collection=collection, name=name)


def running(collection):
    return sorted(
        Build.objects.filter(package__collection=collection, state=BuildState.RUNNING).values_list(
            "package__name", flat=True
        )
    )


def task_opts(hub, task_id):
    return hub.session().getTaskInfo(task_id, request=True)["request"][2]


def build_tasks(hub):
    """The scratch build tasks Koji has (the scenario's real builds have tasks too)."""
    tasks = hub.session().listTasks(opts={"method": "build", "decode": True})
    return [t for t in tasks if (t["request"][2:3] or [{}])[0].get("scratch")]


def test_the_highest_priority_package_is_submitted(f42, koji_hub, sessions):
    prioritise(f42, foo=1000, bar=2000, make=1500)
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.SUBMITTED and decision.package == "bar (f42)"
    assert decision.priority == 2000
    assert running(f42) == ["bar"]
    build = Build.objects.get(package__name="bar", state=BuildState.RUNNING)
    assert build.task_id == decision.task_id
    assert [t["id"] for t in build_tasks(koji_hub)] == [decision.task_id]
    bar = package(f42, "bar")
    assert bar.manual_priority == 0 and bar.scheduler_skip_reason is None
    assert not SubmissionClaim.objects.exists()


def test_each_decision_submits_one_build_in_priority_order(f42, sessions):
    prioritise(f42, foo=1000, bar=2000, make=1500)
    submitted = [schedule_build(sessions=sessions).package for _ in range(4)]
    assert submitted == ["bar (f42)", "make (f42)", "foo (f42)", None]
    assert running(f42) == ["bar", "foo", "make"]


def test_the_threshold_is_inclusive(f42, sessions):
    prioritise(f42, foo=255)
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.NOTHING and running(f42) == []
    prioritise(f42, foo=256)
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.SUBMITTED and running(f42) == ["foo"]


def test_nothing_is_submitted_while_max_builds_are_running(f42, settings, sessions):
    settings.KOSCHEI["koji_config"]["max_builds"] = 2
    prioritise(f42, foo=1000, bar=2000, make=1500)
    assert schedule_build(sessions=sessions).outcome is Outcome.SUBMITTED
    assert schedule_build(sessions=sessions).outcome is Outcome.SUBMITTED
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.MAX_BUILDS and running(f42) == ["bar", "make"]


def test_a_submission_in_flight_counts_against_max_builds(f42, settings, sessions):
    settings.KOSCHEI["koji_config"]["max_builds"] = 1
    prioritise(f42, foo=1000)
    SubmissionClaim.objects.create(
        package=package(f42, "bar"), claimed_at=timezone.now(), owner="elsewhere:1"
    )
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.MAX_BUILDS and running(f42) == []


def test_the_candidates_are_the_rankings_first_packages_over_the_threshold(f42, settings):
    """first_candidates cuts the ranking at the threshold in Python and leaves claimed
    packages out in SQL: the same packages, in the same order, as candidates()."""
    settings.KOSCHEI["services"]["scheduler"]["max_candidates"] = 3
    prioritise(f42, foo=1000, bar=2000, make=256, qux=255)
    SubmissionClaim.objects.create(
        package=package(f42, "bar"), claimed_at=timezone.now(), owner="elsewhere:1"
    )
    first = [p.name for p in first_candidates(3)]
    assert first == ["foo", "make"]
    assert [p.name for p in candidates()[:3]] == first
    assert [p.current_priority for p in first_candidates(1)] == [1000]
    assert [p.name for p in first_candidates(10)] == ["foo", "make"]


def test_a_loaded_arch_holds_back_only_the_packages_that_build_on_it(f42, koji_hub, sessions):
    # qux builds on x86_64 only; foo, limited to aarch64, does not need the loaded hosts.
    koji_hub.sim("setHost", "builder-x86-01", {"task_load": 4})
    Package.objects.filter(collection=f42, name="foo").update(arch_override="aarch64")
    prioritise(f42, qux=2000, bar=1500, foo=1000)
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.SUBMITTED and decision.package == "foo (f42)"
    assert [s.package for s in decision.skipped] == ["qux (f42)", "bar (f42)"]
    assert "koji load 1.00" in decision.skipped[0].reason
    assert running(f42) == ["foo"]
    # Nothing is persisted for a load skip: qux is first again once the load is gone.
    koji_hub.sim("setHost", "builder-x86-01", {"task_load": 0})
    decision = schedule_build(sessions=sessions)
    assert decision.package == "qux (f42)"


def test_a_load_threshold_of_one_switches_the_load_gate_off(f42, koji_hub, settings, sessions):
    settings.KOSCHEI["koji_config"]["load_threshold"] = 1
    koji_hub.sim("setHost", "builder-x86-01", {"task_load": 4})
    prioritise(f42, qux=2000)
    decision = schedule_build(sessions=sessions)
    assert decision.package == "qux (f42)" and decision.outcome is Outcome.SUBMITTED


def test_a_noarch_package_needs_only_one_idle_arch(f42, koji_hub, sessions):
    koji_hub.sim("setHost", "builder-x86-01", {"task_load": 4})
    prioritise(f42, baz=1000)
    decision = schedule_build(sessions=sessions)
    assert decision.package == "baz (f42)" and decision.arches == ("noarch",)
    assert "arch_override" not in task_opts(koji_hub, decision.task_id)


def test_an_arch_override_limits_the_arches_of_the_build(f42, koji_hub, sessions):
    Package.objects.filter(collection=f42, name="foo").update(arch_override="^aarch64")
    prioritise(f42, foo=1000)
    decision = schedule_build(sessions=sessions)
    assert decision.arches == ("x86_64",)
    assert task_opts(koji_hub, decision.task_id)["arch_override"] == "x86_64"


def test_an_srpm_allowing_several_arches_is_built_on_those(f42, koji_hub, sessions):
    prioritise(f42, foo=1000)
    decision = schedule_build(sessions=sessions)
    assert decision.arches == ("aarch64", "x86_64")
    assert task_opts(koji_hub, decision.task_id)["arch_override"] == "aarch64 x86_64"


def test_a_package_with_no_arch_left_is_skipped_and_the_skip_is_persisted(f42, sessions):
    Package.objects.filter(collection=f42, name="qux").update(arch_override="^x86_64")
    prioritise(f42, qux=1100, foo=1000)
    decision = schedule_build(sessions=sessions)
    assert decision.package == "foo (f42)"
    assert [(s.package, s.reason) for s in decision.skipped] == [
        ("qux (f42)", SkipReason.NO_ARCH.label)
    ]
    qux = package(f42, "qux")
    assert qux.scheduler_skip_reason == SkipReason.NO_ARCH
    assert qux.manual_priority == 1100 - FLOOR - 1000
    # Dropped below the threshold: the next decision does not look at it again.
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.NOTHING and decision.skipped == ()


def test_a_package_whose_srpm_koji_does_not_know_is_skipped_and_persisted(f42, sessions):
    foo = package(f42, "foo")
    Build.objects.filter(pk=foo.last_complete_build_id).update(version="9.9")
    prioritise(f42, foo=1000)
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.NOTHING
    foo.refresh_from_db()
    assert foo.scheduler_skip_reason == SkipReason.NO_SRPM
    assert foo.manual_priority == 1000 - FLOOR - 1000
    assert foo.last_build_id is not None  # the trigger's pointers are left alone


def test_a_build_koji_refuses_leaves_no_claim_and_is_tried_again(f42, koji_hub, sessions):
    prioritise(f42, foo=1000)
    koji_hub.sim("addFault", {"kind": "fault", "method": "build", "code": 1000, "count": 1})
    with pytest.raises(Exception, match="build"):
        schedule_build(sessions=sessions)
    assert not SubmissionClaim.objects.exists() and running(f42) == []
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.SUBMITTED and running(f42) == ["foo"]


def test_a_claim_of_a_dead_scheduler_expires(f42, settings, sessions):
    prioritise(f42, foo=1000)
    SubmissionClaim.objects.create(
        package=package(f42, "foo"),
        claimed_at=timezone.now() - timezone.timedelta(hours=2),
        owner="dead:1",
    )
    assert schedule_build(sessions=sessions).package == "foo (f42)"
    assert not SubmissionClaim.objects.exists()


def test_a_passive_instance_schedules_nothing(f42, koji_hub, settings, sessions):
    settings.KOSCHEI["services"]["scheduler"]["enabled"] = False
    prioritise(f42, foo=1000)
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.DISABLED
    assert schedule_builds().startswith("disabled")
    assert running(f42) == [] and build_tasks(koji_hub) == []


def test_the_task_makes_one_decision(f42):
    prioritise(f42, foo=1000, bar=2000)
    assert schedule_builds().startswith("submitted package=bar(f42)")
    assert running(f42) == ["bar"]


def waiting_for_lock(count, seconds=20.0):
    deadline = time.monotonic() + seconds
    query = """
        SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE NOT l.granted AND l.locktype = 'advisory' AND a.datname = current_database()
    """
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(query)
            if cursor.fetchone()[0] >= count:
                return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_submit_the_package_once(f42, koji_hub):
    """Both pass the Koji gates for the same package, then meet at the decision's lock
    (held here until both wait): one submits it, the other finds it taken."""
    prioritise(f42, foo=1000)
    decisions, errors = [], []

    def scheduler():
        own = KojiSessions.from_settings()  # a scheduler of its own: another process
        try:
            decisions.append(schedule_build(sessions=own))
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.close()
            connections.close_all()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", list(SCHEDULER_LOCK))
    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        assert waiting_for_lock(2), "the schedulers never met at the lock"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", list(SCHEDULER_LOCK))
        for thread in threads:
            thread.join(60)
    assert not errors and len(decisions) == 2
    assert sorted(d.outcome for d in decisions) == [Outcome.NOTHING, Outcome.SUBMITTED]
    loser = next(d for d in decisions if d.outcome is Outcome.NOTHING)
    assert [(s.package, s.reason) for s in loser.skipped] == [
        ("foo (f42)", "taken by another scheduler")
    ]
    assert running(f42) == ["foo"] and len(build_tasks(koji_hub)) == 1


def test_the_command_prints_one_line_per_decision(f42, capsys):
    prioritise(f42, foo=1000, bar=2000)
    call_command("schedule-builds", "--count", "5")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["submitted", "package=bar(f42)"],
        ["submitted", "package=foo(f42)"],
        ["nothing", "skipped=0"],
    ]
    assert running(f42) == ["bar", "foo"]


def test_the_command_dry_run_submits_and_writes_nothing(f42, koji_hub, capsys):
    Package.objects.filter(collection=f42, name="qux").update(arch_override="^x86_64")
    prioritise(f42, qux=2000, foo=1000)
    call_command("schedule-builds", "--dry-run")
    captured = capsys.readouterr()
    assert captured.out.startswith("would-submit package=foo(f42) priority=1000.0")
    assert "skipped qux (f42): No build architecture allowed for SRPM" in captured.err
    assert running(f42) == [] and build_tasks(koji_hub) == []
    assert package(f42, "qux").scheduler_skip_reason is None
    assert not SubmissionClaim.objects.exists()


def test_the_command_refuses_a_bad_count_in_one_line(f42):
    with pytest.raises(CommandError, match=r"^--count must be at least 1, not 0$"):
        call_command("schedule-builds", "--count", "0")


def test_the_command_reports_koji_failures_in_one_line(f42, koji_hub):
    prioritise(f42, foo=1000)
    koji_hub.sim("addFault", {"kind": "fault", "method": "getRPMHeaders", "code": 1000})
    with pytest.raises(CommandError) as caught:
        call_command("schedule-builds")
    assert str(caught.value) == "Koji get_rpm_arch_headers failed: GenericError: Simulated fault"


def test_the_task_makes_decisions_until_one_submits_nothing(f42):
    prioritise(f42, foo=1000, bar=2000)
    assert schedule_builds(decisions=5).startswith("nothing")
    assert sorted(running(f42)) == ["bar", "foo"]
