"""Noise control (DESIGN 13.3) through kojisim, the build sync and the scheduler: builds
Koji failed retried with a growing delay, failing packages backing off, a daily bound."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from builds.koji import KojiSessions
from builds.models import Build
from builds.services.build_sync import Outcome as Synced
from builds.services.build_sync import sync_builds
from builds.services.noise import Gate, package_holds
from builds.services.package_list import refresh_packages
from builds.services.real_builds import refresh_latest_builds
from builds.services.scheduler import Outcome, schedule_build
from packages.models import Collection, LogEntry, Package
from packages.signals import package_state_changed
from packages.states import BuildState
from tests.conftest import use_kojisim
from tests.factories import make_group

pytestmark = pytest.mark.django_db

SMALL = Path(__file__).resolve().parents[3] / "kojisim" / "scenarios" / "small.yaml"
FLOOR = -30  # every package's time priority: its last build is recent
BASE, CAP = 600, 1500  # infrastructure retry base and cap in these tests (seconds)


@pytest.fixture
def hub(kojisim_server, settings, tmp_path):
    """The small scenario with its clock at the present (the history gates measure time
    from Koji's task times), where qux's builders always hit a Koji lock error."""
    scenario = yaml.safe_load(SMALL.read_text())
    scenario["start"] = datetime.now(UTC).isoformat()
    scenario["rules"].insert(0, {"package": "qux", "fail": True, "fault": "lock"})
    path = tmp_path / "now.yaml"
    path.write_text(yaml.safe_dump(scenario))
    hub = kojisim_server(path, speed=0.0)
    use_kojisim(settings, hub)
    config = copy.deepcopy(settings.KOSCHEI)
    config["koji_config"]["task_timeout"] = 100 * 365 * 86400
    config["noise"].update(infra_retry_base=BASE, infra_retry_cap=CAP)
    settings.KOSCHEI = config
    return hub


@pytest.fixture
def sessions(hub):
    sessions = KojiSessions.from_settings()
    yield sessions
    sessions.close()


@pytest.fixture
def f42(hub, sudo_user, sessions):
    """Every package tracked, resolved, built just now and far below the threshold."""
    call_command("create-collection", "f42", "-d", "Fedora 42", "-t", "f42", "--dest-tag", "f42")
    collection = Collection.objects.get(name="f42")
    refresh_packages(collection=collection, sessions=sessions)
    Package.objects.filter(collection=collection).update(tracked=True)
    refresh_latest_builds(collection=collection, sessions=sessions)
    repo_id = hub.session().getRepo("f42-build")["id"]
    Collection.objects.filter(pk=collection.pk).update(
        latest_repo_id=repo_id, latest_repo_resolved=True
    )
    # An hour old: recent enough for the time priority's floor, older than Koji's clock.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Build.objects.update(started=an_hour_ago, finished=an_hour_ago)
    Package.objects.update(resolved=True, manual_priority=-100_000)
    return collection


@pytest.fixture
def state_changes():
    received: list[tuple[int, str, str]] = []

    def receiver(sender, package_id, previous, new, **kwargs):
        received.append((package_id, previous, new))

    package_state_changed.connect(receiver)
    yield received
    package_state_changed.disconnect(receiver)


def wanted(name: str) -> Package:
    """Put a package far over the threshold for good (static priority is never reset)."""
    Package.objects.filter(name=name).update(manual_priority=0, static_priority=1000 - FLOOR)
    return package(name)


def package(name: str) -> Package:
    return Package.objects.select_related("collection").get(name=name, collection__name="f42")


def travel(name: str, seconds: float) -> None:
    """Let ``seconds`` pass for a package: its builds and stored holds move into the past."""
    delta = timedelta(seconds=seconds)
    Build.objects.filter(package__name=name).update(
        started=F("started") - delta, finished=F("finished") - delta
    )
    Package.objects.filter(name=name, backoff_until__isnull=False).update(
        backoff_until=F("backoff_until") - delta
    )


def build_and_finish(hub, sessions, name: str, outcome: str | None = None) -> Build:
    """One scheduler decision that submits ``name``, its task finished, one poll."""
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.SUBMITTED, decision.summary()
    assert decision.package == f"{name} (f42)"
    hub.sim("finishTasks", [decision.task_id], *([outcome] if outcome else []))
    sync_builds(sessions=sessions)
    return Build.objects.get(task_id=decision.task_id)


def only_hold(name: str):
    holds = package_holds(package(name))
    assert len(holds) == 1, holds
    return holds[0]


def test_infrastructure_failures_count_for_nothing_and_are_retried_with_a_growing_delay(
    f42, hub, sessions, state_changes
):
    before = wanted("qux")
    waits = []
    for attempt in range(3):
        build = build_and_finish(hub, sessions, "qux")
        assert build.state == BuildState.FAILED and build.infra_failure.startswith("LockError")
        qux = package("qux")
        # Not the package's failure: state, last complete build and priorities unchanged.
        assert qux.state_string == "ok"
        assert qux.last_build_id == qux.last_complete_build_id == before.last_complete_build_id
        assert qux.build_priority == before.build_priority == 0
        hold = only_hold("qux")
        assert hold.gate is Gate.INFRA_RETRY and hold.until == qux.backoff_until
        assert f"{attempt + 1} infrastructure failure" in hold.reason
        waits.append((hold.until - build.finished).total_seconds())
        # Held: the scheduler passes over it until the wait is over.
        assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING
        # Koji's clock stands still in these tests: measure what is left from now.
        left = (hold.until - timezone.now()).total_seconds()
        travel("qux", left - 60)
        assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING
        travel("qux", 61)
    assert waits == [BASE, 2 * BASE, CAP]
    assert state_changes == []
    assert Build.objects.filter(package__name="qux").infra_failures().count() == 3
    # Once Koji builds it again, the retries are over and the package's result counts.
    build = build_and_finish(hub, sessions, "qux", "CLOSED")
    assert build.state == BuildState.COMPLETE and not build.is_infra_failure
    assert package("qux").last_complete_build_id == build.pk
    assert package_holds(package("qux")) == [] and package("qux").backoff_until is None


def test_a_package_failing_again_and_again_backs_off(f42, hub, sessions, settings):
    settings.KOSCHEI["noise"].update(
        failure_backoff_after=2,
        failure_backoff_base=3600,
        failure_backoff_cap=3 * 3600,
        max_builds_per_day=0,
    )
    wanted("bar")
    first = build_and_finish(hub, sessions, "bar", "FAILED")
    assert package_holds(package("bar")) == []  # one failure: no backoff yet
    second = build_and_finish(hub, sessions, "bar", "FAILED")
    assert first.state == second.state == BuildState.FAILED
    hold = only_hold("bar")
    assert hold.gate is Gate.FAILURE_BACKOFF and hold.reason == "2 failed builds in a row"
    assert hold.until == second.finished + timedelta(hours=1) == package("bar").backoff_until
    assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING
    travel("bar", 3600)
    third = build_and_finish(hub, sessions, "bar", "FAILED")
    assert only_hold("bar").until == third.finished + timedelta(hours=2)  # doubled
    travel("bar", 2 * 3600)
    build_and_finish(hub, sessions, "bar", "FAILED")
    assert only_hold("bar").until - package("bar").last_build.finished == timedelta(hours=3)
    travel("bar", 3 * 3600)
    # A success ends the streak.
    build_and_finish(hub, sessions, "bar", "CLOSED")
    assert package_holds(package("bar")) == [] and package("bar").backoff_until is None
    assert schedule_build(sessions=sessions).outcome is Outcome.SUBMITTED


def test_infrastructure_failures_do_not_break_a_failure_streak(f42, hub, sessions, settings):
    settings.KOSCHEI["noise"].update(failure_backoff_after=2, failure_backoff_base=3600)
    wanted("bar")
    build_and_finish(hub, sessions, "bar", "FAILED")
    assert package_holds(package("bar")) == []
    decision = schedule_build(sessions=sessions)
    hub.session("koschei", "koschei").cancelTask(decision.task_id)  # not Koschei's doing
    sync_builds(sessions=sessions)
    assert only_hold("bar").gate is Gate.INFRA_RETRY
    assert Build.objects.get(task_id=decision.task_id).infra_failure == "task canceled in Koji"
    travel("bar", BASE + 120)  # Koji's clock stands still: a margin for the lag
    last = build_and_finish(hub, sessions, "bar", "FAILED")
    hold = only_hold("bar")
    assert hold.gate is Gate.FAILURE_BACKOFF and hold.reason == "2 failed builds in a row"
    assert hold.until == last.finished + timedelta(hours=1)


def test_a_package_gets_at_most_max_builds_per_day(f42, hub, sessions, settings):
    settings.KOSCHEI["noise"].update(max_builds_per_day=2, failure_backoff_after=0)
    wanted("bar")
    first = build_and_finish(hub, sessions, "bar", "CLOSED")
    travel("bar", 3600)
    build_and_finish(hub, sessions, "bar", "FAILED")
    hold = only_hold("bar")
    assert hold.gate is Gate.DAILY_BOUND and hold.reason == "2 builds in 24 hours"
    first.refresh_from_db()
    assert hold.until == first.started + timedelta(days=1) == package("bar").backoff_until
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.NOTHING
    travel("bar", 23 * 3600)  # the first build is a day old now
    assert schedule_build(sessions=sessions).package == "bar (f42)"


def test_a_bound_of_zero_switches_the_daily_bound_off(f42, hub, sessions, settings):
    settings.KOSCHEI["noise"].update(max_builds_per_day=0, failure_backoff_after=0)
    wanted("bar")
    for _ in range(5):
        build_and_finish(hub, sessions, "bar", "CLOSED")
    assert package_holds(package("bar")) == []


def test_a_lowered_bound_is_honoured_by_the_scheduler_before_the_next_build_ends(
    f42, hub, sessions, settings
):
    wanted("bar")
    build_and_finish(hub, sessions, "bar", "CLOSED")
    build_and_finish(hub, sessions, "bar", "CLOSED")
    assert package("bar").backoff_until is None
    settings.KOSCHEI["noise"]["max_builds_per_day"] = 2
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.NOTHING
    assert [s.package for s in decision.skipped] == ["bar (f42)"]
    assert "2 builds in 24 hours until" in decision.skipped[0].reason
    assert package("bar").backoff_until == only_hold("bar").until  # stored for the query
    assert schedule_build(sessions=sessions).skipped == ()  # now the query leaves it out


def test_a_poll_result_summary_still_counts_infrastructure_failures(f42, hub, sessions):
    wanted("qux")
    decision = schedule_build(sessions=sessions)
    hub.sim("finishTasks", [decision.task_id])
    figures = sync_builds(sessions=sessions)
    assert (figures[Synced.INFRASTRUCTURE], figures[Synced.FAILED]) == (1, 0)


def test_the_scheduler_passes_over_snoozed_packages_and_groups(f42, hub, sessions, sudo_user):
    wanted("bar")
    wanted("foo")
    later = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    call_command("snooze", "bar", "-c", "f42", "--until", later)
    make_group("libs", members=("foo",))
    call_command("snooze", "libs", "--group", "--until", later)
    assert [h.gate for h in package_holds(package("bar"))] == [Gate.SNOOZED]
    hold = only_hold("foo")
    assert hold.gate is Gate.GROUP_SNOOZED and hold.reason == "group libs snoozed"
    assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING
    call_command("snooze", "libs", "--group", "--clear")
    assert schedule_build(sessions=sessions).package == "foo (f42)"
    assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING  # bar still snoozed


def test_an_expired_snooze_is_cleared_by_the_next_decision(f42, hub, sessions, sudo_user):
    wanted("bar")
    later = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    call_command("snooze", "bar", "-c", "f42", "--until", later)
    assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING
    Package.objects.filter(name="bar").update(snoozed_until=timezone.now() - timedelta(seconds=1))
    decision = schedule_build(sessions=sessions)
    assert decision.package == "bar (f42)"
    assert package("bar").snoozed_until is None
    entry = LogEntry.objects.order_by("-id").first()
    assert entry.environment == "backend" and entry.message.startswith(
        "Package bar (collection f42): snoozed_until set from "
    )


def test_a_dry_run_clears_no_snooze_and_stores_no_backoff(f42, hub, sessions, settings):
    wanted("bar")
    build_and_finish(hub, sessions, "bar", "CLOSED")
    settings.KOSCHEI["noise"]["max_builds_per_day"] = 1
    Package.objects.filter(name="bar").update(snoozed_until=timezone.now() - timedelta(seconds=1))
    decision = schedule_build(sessions=sessions, dry_run=True)
    assert (
        decision.outcome is Outcome.NOTHING and "1 builds in 24 hours" in decision.skipped[0].reason
    )
    bar = package("bar")
    assert bar.snoozed_until is not None and bar.backoff_until is None


def test_a_new_real_build_ends_the_retries_and_the_backoff(f42, hub, sessions, settings):
    settings.KOSCHEI["noise"].update(
        failure_backoff_after=1, max_builds_per_day=0, infra_retry_base=3600, infra_retry_cap=7200
    )
    wanted("qux")
    build_and_finish(hub, sessions, "qux")  # Koji's lock error
    wanted("bar")
    build_and_finish(hub, sessions, "bar", "FAILED")
    assert only_hold("qux").gate is Gate.INFRA_RETRY
    assert only_hold("bar").gate is Gate.FAILURE_BACKOFF
    for name in ("qux", "bar"):
        travel(name, 900)  # Koji's new build (its task began 600 s ago) comes after them
        hub.sim("newBuild", name, {"version": "99.0"})
    refresh_latest_builds(collection=f42, sessions=sessions)
    for name in ("qux", "bar"):
        assert package(name).last_build.real and package(name).last_build.version == "99.0"
        assert package_holds(package(name)) == [] and package(name).backoff_until is None
