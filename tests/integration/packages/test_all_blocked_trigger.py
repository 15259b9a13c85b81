"""The database keeps base_package.all_blocked = every package blocked (spec 5.2), under races."""

from __future__ import annotations

import pytest
from django.db import connection

from packages.models import BasePackage, Package
from tests.concurrency import race
from tests.factories import make_collection, make_package

pytestmark = pytest.mark.django_db


def all_blocked(name):
    return BasePackage.objects.get(name=name).all_blocked


@pytest.fixture
def collections(collection):
    return [collection, make_collection("f41"), make_collection("f40")]


def test_a_base_package_without_packages_counts_as_all_blocked():
    BasePackage.objects.create(name="foo")
    assert all_blocked("foo")


def test_inserting_an_unblocked_package_clears_all_blocked(collection):
    make_package("foo", collection)
    assert not all_blocked("foo")


def test_inserting_only_blocked_packages_keeps_all_blocked(collections):
    for collection in collections:
        make_package("foo", collection, blocked=True)
    assert all_blocked("foo")


def test_all_blocked_needs_every_collection_blocked(collections):
    for collection in collections:
        make_package("foo", collection)
    packages = Package.objects.filter(name="foo").order_by("id")
    for package in packages[:2]:
        Package.objects.filter(pk=package.pk).update(blocked=True)
        assert not all_blocked("foo")
    Package.objects.filter(pk=packages[2].pk).update(blocked=True)
    assert all_blocked("foo")
    Package.objects.filter(pk=packages[0].pk).update(blocked=False)
    assert not all_blocked("foo")


def test_saving_a_package_through_the_orm_updates_its_base(collection):
    package = make_package("foo", collection)
    package.blocked = True
    package.save()
    assert all_blocked("foo")


def test_one_statement_updating_many_bases_updates_each(collections):
    for name in ("foo", "bar", "baz"):
        for collection in collections:
            make_package(name, collection, blocked=(name == "baz"))
    Package.objects.filter(name__in=["foo", "bar"]).update(blocked=True)
    Package.objects.filter(name="baz", collection=collections[0]).update(blocked=False)
    assert [all_blocked(n) for n in ("foo", "bar", "baz")] == [True, True, False]


def test_bulk_inserting_packages_updates_every_base(collection):
    bases = [BasePackage.objects.create(name=n) for n in ("foo", "bar")]
    Package.objects.bulk_create(
        [
            Package(base=bases[0], name="foo", collection=collection, blocked=True),
            Package(base=bases[1], name="bar", collection=collection, blocked=False),
        ]
    )
    assert all_blocked("foo")
    assert not all_blocked("bar")


def test_deleting_the_only_unblocked_package_sets_all_blocked(collections):
    make_package("foo", collections[0], blocked=True)
    unblocked = make_package("foo", collections[1])
    assert not all_blocked("foo")
    unblocked.delete()
    assert all_blocked("foo")


def test_deleting_every_package_counts_as_all_blocked(collections):
    for collection in collections:
        make_package("foo", collection)
    Package.objects.filter(name="foo").delete()
    assert all_blocked("foo")


def test_deleting_a_collection_in_sql_recomputes_its_bases(collections):
    make_package("foo", collections[0])
    make_package("foo", collections[1], blocked=True)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM collection WHERE id = %s", [collections[0].pk])
    assert all_blocked("foo")


def test_moving_a_package_to_another_base_recomputes_both(collection):
    make_package("foo", collection)
    bar = BasePackage.objects.create(name="bar")
    Package.objects.filter(name="foo").update(base=bar)
    assert all_blocked("foo")
    assert not all_blocked("bar")


def row_version(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid FROM base_package WHERE name = %s", [name])
        return cursor.fetchone()[0]


def test_updates_that_do_not_change_blocked_leave_the_base_row_alone(collection):
    make_package("foo", collection)
    before = row_version("foo")
    Package.objects.filter(name="foo").update(tracked=True, manual_priority=5)
    Package.objects.filter(name="foo").update(blocked=False)
    assert row_version("foo") == before


@pytest.mark.django_db(transaction=True)
def test_two_writers_blocking_the_two_packages_of_a_base_leave_it_all_blocked():
    """Writer A blocks one package and holds its transaction open; writer B blocks the
    other meanwhile.  Without the base row lock, each would see the other package still
    unblocked (READ COMMITTED) and all_blocked would stay false for good."""
    first, second = make_collection("f41"), make_collection("f42")
    package_a = make_package("foo", first)
    package_b = make_package("foo", second)
    assert not all_blocked("foo")
    waited = race(
        lambda: Package.objects.filter(pk=package_a.pk).update(blocked=True),
        lambda: Package.objects.filter(pk=package_b.pk).update(blocked=True),
    )
    assert waited, "writer B never waited for writer A's base package lock"
    assert all_blocked("foo")


@pytest.mark.django_db(transaction=True)
def test_blocking_one_package_while_another_writer_deletes_the_other_leaves_all_blocked():
    """Writer A blocks one package and holds its transaction open; writer B deletes the
    other package.  B must wait and then see A's blocked package, or it would leave
    all_blocked false although the only remaining package is blocked."""
    first, second = make_collection("f41"), make_collection("f42")
    package_a = make_package("foo", first)
    package_b = make_package("foo", second)
    waited = race(
        lambda: Package.objects.filter(pk=package_a.pk).update(blocked=True),
        lambda: Package.objects.filter(pk=package_b.pk).delete(),
    )
    assert waited, "writer B never waited for writer A's base package lock"
    assert list(Package.objects.values_list("pk", flat=True)) == [package_a.pk]
    assert all_blocked("foo")
