"""packages.evr orders versions as RPM does (spec 3.15), on RPM's own table and ours."""

from __future__ import annotations

import pytest

from packages.evr import RpmEVR, compare_evr, rpmvercmp
from tests.rpmvercmp_cases import EVR_CASES, EXTRA_PAIRS, RPM_PAIRS


def test_the_table_holds_every_pair_of_rpms_test_file():
    assert len(RPM_PAIRS) == 91
    assert ("1.0^git1~pre", "1.0^git1", -1) in RPM_PAIRS


@pytest.mark.parametrize(("a", "b", "expected"), RPM_PAIRS)
def test_rpmvercmp_agrees_with_rpms_own_table(a, b, expected):
    assert rpmvercmp(a, b) == expected


@pytest.mark.parametrize(("a", "b", "expected"), EXTRA_PAIRS)
def test_rpmvercmp_handles_case_zeros_empty_strings_and_separators(a, b, expected):
    assert rpmvercmp(a, b) == expected
    assert rpmvercmp(b, a) == -expected


@pytest.mark.parametrize(("e1", "v1", "r1", "e2", "v2", "r2", "expected"), EVR_CASES)
def test_compare_evr_orders_epoch_then_version_then_release(e1, v1, r1, e2, v2, r2, expected):
    assert compare_evr((e1, v1, r1), (e2, v2, r2)) == expected


def test_evrs_sort_like_rpm():
    evrs = [
        RpmEVR(1, "0.1", "1"),
        RpmEVR(None, "1.0", "1"),
        RpmEVR(None, "1.0~rc1", "1"),
        RpmEVR(None, "1.0^git1", "1"),
        RpmEVR(0, "1.0", "2"),
        RpmEVR(None, "1.01", "1"),
    ]
    assert sorted(evrs) == [
        RpmEVR(None, "1.0~rc1", "1"),
        RpmEVR(None, "1.0", "1"),
        RpmEVR(0, "1.0", "2"),
        RpmEVR(None, "1.0^git1", "1"),
        RpmEVR(None, "1.01", "1"),
        RpmEVR(1, "0.1", "1"),
    ]


def test_evrs_that_differ_only_in_spelling_are_equal_and_hash_alike():
    assert RpmEVR(None, "1.0", "1") == RpmEVR(0, "1.00", "01")
    assert len({RpmEVR(None, "1.0", "1"), RpmEVR(0, "1.00", "01")}) == 1
    assert RpmEVR(None, "1.0", "1") != RpmEVR(None, "1.0", "2")
    assert RpmEVR(None, "1.0", "1") != "1.0-1"


def test_evr_comparison_operators_follow_rpm():
    old, new = RpmEVR(None, "1.9", "1"), RpmEVR(None, "1.10", "1")
    assert old < new
    assert old <= new
    assert new > old
    assert new >= old
    assert not new < old


@pytest.mark.parametrize(
    ("evr", "shown"),
    [
        (RpmEVR(None, "1.0", "1.fc42"), "1.0-1.fc42"),
        (RpmEVR(0, "1.0", "1.fc42"), "1.0-1.fc42"),
        (RpmEVR(2, "1.0", "1.fc42"), "2:1.0-1.fc42"),
        (RpmEVR(None, "1.0", "1234567890123456"), "1.0-1234567890123456"),
        (RpmEVR(None, "1.0", "12345678901234567"), "1.0-1234567890123..."),
        (RpmEVR(1, "3", "0.1.20240101git0123abc.fc42"), "1:3-0.1.20240101g..."),
    ],
)
def test_evr_shows_a_truthy_epoch_and_shortens_long_releases(evr, shown):
    assert str(evr) == shown
