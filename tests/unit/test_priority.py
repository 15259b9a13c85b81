"""Priority maths of spec 3.1, checked against the spec's reference values."""

from __future__ import annotations

import math

import pytest

from packages.priority import (
    DEFAULT_CURVE,
    TimeCurve,
    current_priority,
    dependency_priority,
    failed_build_bonus,
    time_priority,
)
from packages.states import BuildState

# (hours since the last build started, time priority): spec 3.1's reference values.
TIME_REFERENCE = [(2, -30.0), (10, 39.2447), (34, 133.2625), (730, 368.8636)]


@pytest.mark.parametrize(("hours", "expected"), TIME_REFERENCE)
def test_time_priority_matches_the_reference_values(hours, expected):
    assert time_priority(hours) == pytest.approx(expected, abs=1e-4)


def test_time_priority_is_zero_at_t0_and_the_threshold_at_t1():
    assert time_priority(6) == pytest.approx(0, abs=1e-9)
    assert time_priority(168) == pytest.approx(256, abs=1e-9)


def test_default_curve_constants_match_the_spec():
    assert DEFAULT_CURVE.a == pytest.approx(176.898, abs=1e-3)
    assert DEFAULT_CURVE.b == pytest.approx(-137.654, abs=1e-3)


@pytest.mark.parametrize("hours", [0, -1, 1e-9, 0.5, 4.0])
def test_recent_builds_and_clock_skew_are_clamped_at_minus_30(hours):
    assert time_priority(hours) == -30


def test_the_clamp_ends_a_little_above_four_hours():
    assert time_priority(4.05) == -30
    assert time_priority(4.1) > -30


def test_time_priority_grows_with_time():
    values = [time_priority(h) for h in (5, 6, 24, 168, 1000, 10000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


def test_a_custom_curve_is_zero_at_its_t0_and_its_threshold_at_its_t1():
    curve = TimeCurve(threshold=100, t0=1, t1=10)
    assert time_priority(1, curve) == pytest.approx(0, abs=1e-9)
    assert time_priority(10, curve) == pytest.approx(100)
    assert time_priority(100, curve) == pytest.approx(200)
    assert curve.a == pytest.approx(100 / (math.log10(10) - math.log10(1)))


def test_a_fresh_build_with_every_component_gives_the_reference_sum():
    priority = current_priority(
        manual=10, static=20, dependency=40, build=50, hours_since_last_build=0, coefficient=0.5
    )
    assert priority == pytest.approx(60)


@pytest.mark.parametrize(
    ("components", "hours", "coefficient", "expected"),
    [
        ({}, 10, 1.0, 39.2447),
        ({"manual": 100}, 730, 1.0, 468.8636),
        ({"static": -50, "dependency": 256}, 34, 2.0, -50 + 2 * (256 + 133.2625)),
        ({"manual": 10, "static": 20}, 2, 0.0, 30),
        ({"build": 3000}, 2, 1.0, 2970),
    ],
)
def test_only_the_dynamic_part_is_scaled_by_the_coefficient(
    components, hours, coefficient, expected
):
    values = {"manual": 0, "static": 0, "dependency": 0, "build": 0, **components}
    priority = current_priority(**values, hours_since_last_build=hours, coefficient=coefficient)
    assert priority == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    ("distances", "expected"),
    [
        ([], 0),
        ([1], 256),
        ([2], 128),
        ([3], 85),
        ([4], 64),
        ([None], 32),
        ([1, 2, 3, 4, None], 565),
        ([None, None, None], 96),
    ],
)
def test_dependency_priority_divides_by_distance_and_by_eight_without_one(distances, expected):
    assert dependency_priority(distances) == expected


def test_dependency_priority_truncates_the_sum_not_each_term():
    # 3 x 85.33 = 256, where truncating each term would give 255.
    assert dependency_priority([3, 3, 3]) == 256
    # 85.33 + 42.67 (distance 6) = 128.
    assert dependency_priority([3, 6]) == 128


def test_dependency_priority_uses_the_configured_package_update():
    assert dependency_priority([1, 2, None], package_update=100) == int(100 + 50 + 12.5)


@pytest.mark.parametrize(
    ("previous_state", "expected"),
    [
        (None, 200),
        (BuildState.COMPLETE, 200),
        (BuildState.FAILED, 0),
    ],
)
def test_failed_build_bonus_applies_unless_the_previous_build_failed(previous_state, expected):
    assert failed_build_bonus(previous_state) == expected


def test_failed_build_bonus_uses_the_configured_priority():
    assert failed_build_bonus(BuildState.COMPLETE, failed_build_priority=77) == 77
    assert failed_build_bonus(BuildState.FAILED, failed_build_priority=77) == 0
