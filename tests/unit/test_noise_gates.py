"""The history gates of noise control as pure functions over a build history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from builds.services.noise import Gate, PastBuild, doubling, history_holds
from packages.states import BuildState

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
CONFIG = {
    "infra_retry_base": 600,
    "infra_retry_cap": 3600,
    "failure_backoff_after": 3,
    "failure_backoff_base": 3600,
    "failure_backoff_cap": 4 * 3600,
    "max_builds_per_day": 0,
}
OK, FAILED, RUNNING = BuildState.COMPLETE, BuildState.FAILED, BuildState.RUNNING


def build(state, minutes_ago, infra="", real=False):
    at = NOW - timedelta(minutes=minutes_ago)
    return PastBuild(state, real, infra, at, None if state == RUNNING else at)


def holds(builds, **config):
    return history_holds(builds, now=NOW, config={**CONFIG, **config})


@pytest.mark.parametrize(
    ("step", "seconds"), [(0, 600), (1, 1200), (2, 2400), (3, 3600), (10, 3600), (10_000, 3600)]
)
def test_doubling_starts_at_the_base_and_stops_at_the_cap(step, seconds):
    assert doubling(600, 3600, step) == timedelta(seconds=seconds)


def test_no_history_no_hold():
    assert holds([]) == []


@pytest.mark.parametrize(("streak", "wait"), [(1, 600), (2, 1200), (3, 2400), (4, 3600)])
def test_infrastructure_failures_in_a_row_double_the_retry_wait(streak, wait):
    history = [build(FAILED, 1, infra="LockError: x")] * streak + [build(FAILED, 500)]
    (hold,) = holds(history)
    assert hold.gate is Gate.INFRA_RETRY
    assert hold.until == NOW - timedelta(minutes=1) + timedelta(seconds=wait)
    assert "(LockError: x)" in hold.reason


def test_an_infrastructure_retry_ends_when_its_wait_is_over():
    assert holds([build(FAILED, 11, infra="lost")]) == []


def test_a_running_build_does_not_end_an_infrastructure_streak():
    history = [build(RUNNING, 0), build(FAILED, 1, infra="lost")]
    assert [h.gate for h in holds(history)] == [Gate.INFRA_RETRY]


def test_failures_back_off_only_after_the_configured_count():
    assert holds([build(FAILED, 1), build(FAILED, 2)]) == []
    (hold,) = holds([build(FAILED, 1), build(FAILED, 2), build(FAILED, 3)])
    assert hold.gate is Gate.FAILURE_BACKOFF and hold.reason == "3 failed builds in a row"
    assert hold.until == NOW - timedelta(minutes=1) + timedelta(hours=1)


def test_failure_backoff_doubles_up_to_its_cap():
    five = [build(FAILED, i) for i in range(1, 6)]
    assert holds(five)[0].until == NOW - timedelta(minutes=1) + timedelta(hours=4)


def test_a_success_ends_the_failure_streak_and_infra_or_failed_real_builds_do_not():
    history = [build(FAILED, 1), build(OK, 2), build(FAILED, 3), build(FAILED, 4)]
    assert holds(history) == []
    history = [build(FAILED, 1), build(OK, 2, real=True), build(FAILED, 3), build(FAILED, 4)]
    assert holds(history) == []  # a new version built in Koji
    history = [
        build(FAILED, 1),
        build(FAILED, 2, infra="lost"),
        build(FAILED, 3, real=True),
        build(FAILED, 4),
        build(FAILED, 5),
    ]
    assert [h.gate for h in holds(history, infra_retry_base=1)] == [Gate.FAILURE_BACKOFF]


def test_a_failure_count_of_zero_switches_the_backoff_off():
    assert holds([build(FAILED, i) for i in range(1, 10)], failure_backoff_after=0) == []


def test_the_daily_bound_holds_until_the_oldest_counted_build_is_a_day_old():
    history = [
        build(OK, 60),
        build(FAILED, 90, infra="lost"),  # Koji's failure: it took a builder all the same
        build(OK, 120, real=True),  # a real build: not Koschei's
        build(OK, 600),
        build(OK, 25 * 60),  # more than a day ago
    ]
    (hold,) = holds(history, max_builds_per_day=3, infra_retry_base=1)
    assert hold.gate is Gate.DAILY_BOUND and hold.reason == "3 builds in 24 hours"
    assert hold.until == NOW - timedelta(minutes=600) + timedelta(days=1)
    assert holds(history, max_builds_per_day=4, infra_retry_base=1) == []


def test_every_gate_that_holds_is_listed():
    history = [build(FAILED, 1, infra="lost"), *[build(FAILED, i) for i in range(2, 6)]]
    gates = [h.gate for h in holds(history, max_builds_per_day=4)]
    assert gates == [Gate.INFRA_RETRY, Gate.FAILURE_BACKOFF, Gate.DAILY_BOUND]
