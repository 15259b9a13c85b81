"""The SQL functions rpmvercmp() and rpmvercmp_evr() order versions as RPM does (spec 3.15)."""

from __future__ import annotations

import pytest
from django.db import connection

from packages.evr import compare_evr, rpmvercmp
from resolution.models import Dependency
from tests.rpmvercmp_cases import EVR_CASES, EXTRA_PAIRS, RPM_PAIRS, random_pairs

pytestmark = pytest.mark.django_db

# "und-x-icu" is a linguistic (ICU) collation under which "a" sorts before "B", unlike
# RPM's byte order; PL/pgSQL functions inherit the collation of their arguments.
PAIRS = "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS p(a, b, n) ORDER BY p.n"
QUERIES = {
    False: "SELECT rpmvercmp(p.a, p.b) " + PAIRS,
    True: 'SELECT rpmvercmp(p.a COLLATE "und-x-icu", p.b COLLATE "und-x-icu") ' + PAIRS,
}


def sql_rpmvercmp(pairs, linguistic=False):
    """rpmvercmp(a, b) for every pair, in one query, in the order given."""
    with connection.cursor() as cursor:
        cursor.execute(QUERIES[linguistic], [[a for a, _ in pairs], [b for _, b in pairs]])
        return [row[0] for row in cursor.fetchall()]


def test_sql_rpmvercmp_agrees_with_rpms_own_table():
    results = sql_rpmvercmp([(a, b) for a, b, _ in RPM_PAIRS])
    wrong = [
        (a, b, expected, got)
        for (a, b, expected), got in zip(RPM_PAIRS, results, strict=True)
        if got != expected
    ]
    assert len(results) == 91
    assert wrong == []


def test_sql_rpmvercmp_agrees_with_our_own_cases():
    results = sql_rpmvercmp([(a, b) for a, b, _ in EXTRA_PAIRS])
    wrong = [
        (a, b, expected, got)
        for (a, b, expected), got in zip(EXTRA_PAIRS, results, strict=True)
        if got != expected
    ]
    assert wrong == []


def test_sql_and_python_agree_on_every_pair():
    pairs = [(a, b) for a, b, _ in RPM_PAIRS + EXTRA_PAIRS] + random_pairs()
    pairs += [(b, a) for a, b in pairs]
    results = sql_rpmvercmp(pairs)
    disagreements = [
        (a, b, sql, rpmvercmp(a, b))
        for (a, b), sql in zip(pairs, results, strict=True)
        if sql != rpmvercmp(a, b)
    ]
    assert disagreements == []


def test_the_linguistic_collation_really_orders_letters_differently():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'a' < 'B' COLLATE \"und-x-icu\", 'a' < 'B' COLLATE \"C\"")
        assert cursor.fetchone() == (True, False)


def test_sql_rpmvercmp_compares_letters_by_bytes_whatever_the_collation():
    pairs = [(a, b) for a, b, _ in RPM_PAIRS + EXTRA_PAIRS]
    expected = [e for _, _, e in RPM_PAIRS + EXTRA_PAIRS]
    assert sql_rpmvercmp(pairs, linguistic=True) == expected
    assert sql_rpmvercmp([("a", "B"), ("B", "a")], linguistic=True) == [1, -1]


def test_sql_rpmvercmp_of_null_is_null():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rpmvercmp(NULL, '1'), rpmvercmp('1', NULL)")
        assert cursor.fetchone() == (None, None)


def test_sql_rpmvercmp_evr_agrees_with_the_cases_and_with_python():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rpmvercmp_evr(c.e1, c.v1, c.r1, c.e2, c.v2, c.r2) FROM unnest("
            "%s::int[], %s::text[], %s::text[], %s::int[], %s::text[], %s::text[]"
            ") WITH ORDINALITY AS c(e1, v1, r1, e2, v2, r2, n) ORDER BY c.n",
            [[case[i] for case in EVR_CASES] for i in range(6)],
        )
        results = [row[0] for row in cursor.fetchall()]
    assert results == [case[6] for case in EVR_CASES]
    assert results == [compare_evr(case[0:3], case[3:6]) for case in EVR_CASES]


def test_sql_rpmvercmp_evr_counts_a_null_epoch_as_zero_and_null_strings_as_empty():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rpmvercmp_evr(NULL, '1', '1', 0, '1', '1'),"
            " rpmvercmp_evr(0, '1', '1', NULL, '1', '1'),"
            " rpmvercmp_evr(NULL, '1', '1', 1, '1', '1'),"
            " rpmvercmp_evr(NULL, NULL, NULL, NULL, '', ''),"
            " rpmvercmp_evr(NULL, '1', NULL, NULL, '1', '1')"
        )
        assert cursor.fetchone() == (0, 0, -1, 0, -1)


def test_sql_rpmvercmp_evr_orders_dependency_rows_like_rpm():
    rows = [
        ("foo", None, "1.0", "1"),
        ("foo", 0, "1.0", "2"),
        ("foo", None, "1.0~rc1", "9"),
        ("foo", 1, "0.1", "1"),
        ("foo", None, "1.0^git1", "1"),
        ("foo", None, "1.10", "1"),
        ("foo", None, "1.9", "1"),
    ]
    for name, epoch, version, release in rows:
        Dependency.objects.create(
            name=name, epoch=epoch, version=version, release=release, arch="x86_64"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM dependency d WHERE "
            "rpmvercmp_evr(d.epoch, d.version, d.release, NULL, '1.0', '1') > 0"
        )
        newer = cursor.fetchone()[0]
    assert newer == sum(
        compare_evr((epoch, version, release), (None, "1.0", "1")) > 0
        for _, epoch, version, release in rows
    )
    assert newer == 5
