"""The database keeps last_build / last_complete_build exact (spec 5.2), also under races."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from builds.models import Build
from packages.states import BuildState
from tests.concurrency import race
from tests.factories import make_build, make_package, reload

pytestmark = pytest.mark.django_db


def test_running_build_sets_only_last_build(collection):
    package = make_package("foo", collection, tracked=True)
    done = make_build(package, BuildState.COMPLETE, hours_ago=10)
    running = make_build(package, BuildState.RUNNING, hours_ago=1)
    package = reload(package)
    assert package.last_build_id == running.id
    assert package.last_complete_build_id == done.id
    assert package.last_complete_build_state == BuildState.COMPLETE
    assert reload(done).last_complete


def test_failing_running_build_becomes_last_complete(collection):
    package = make_package("foo", collection, tracked=True)
    done = make_build(package, BuildState.COMPLETE, hours_ago=10)
    running = make_build(package, BuildState.RUNNING, hours_ago=1)
    Build.objects.filter(pk=running.pk).update(
        state=BuildState.FAILED, version="2", release="1", repo_id=7
    )
    package = reload(package)
    assert package.last_complete_build_id == running.id
    assert package.last_complete_build_state == BuildState.FAILED
    assert not reload(done).last_complete
    assert reload(running).last_complete


def test_deleting_running_last_build_falls_back(collection):
    package = make_package("foo", collection, tracked=True)
    done = make_build(package, BuildState.COMPLETE, hours_ago=10)
    running = make_build(package, BuildState.RUNNING, hours_ago=1)
    running.delete()
    package = reload(package)
    assert package.last_build_id == done.id == package.last_complete_build_id


def test_deleting_an_older_build_keeps_pointers(collection):
    package = make_package("foo", collection, tracked=True)
    old = make_build(package, BuildState.FAILED, hours_ago=20)
    new = make_build(package, BuildState.COMPLETE, hours_ago=10)
    old.delete()
    package = reload(package)
    assert package.last_build_id == new.id == package.last_complete_build_id


def test_untagging_every_build_clears_pointers(collection):
    package = make_package("foo", collection, tracked=True)
    make_build(package, BuildState.COMPLETE, hours_ago=10, real=True)
    Build.objects.filter(package=package).update(untagged=True)
    package = reload(package)
    assert package.last_build_id is None
    assert package.last_complete_build_id is None
    assert package.last_complete_build_state is None


def test_deleting_a_collection_in_sql_cascades(collection):
    package = make_package("foo", collection, tracked=True)
    make_build(package, BuildState.COMPLETE, hours_ago=10)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM collection WHERE id = %s", [collection.pk])
    assert not Build.objects.exists()


def assert_pointers(package, last, last_complete):
    """The package points at ``last`` and ``last_complete``, whose flag alone is set."""
    package = reload(package)
    assert package.last_build_id == (last.id if last else None)
    assert package.last_complete_build_id == (last_complete.id if last_complete else None)
    if last_complete is None:
        assert package.last_complete_build_state is None
    else:
        assert package.last_complete_build_state == reload(last_complete).state
    flagged = list(Build.objects.filter(package=package, last_complete=True))
    assert flagged == ([last_complete] if last_complete else [])


def test_untagging_the_last_build_falls_back_and_retagging_restores_it(collection):
    package = make_package("foo", collection, tracked=True)
    older = make_build(package, BuildState.COMPLETE, hours_ago=20, real=True)
    newer = make_build(package, BuildState.FAILED, hours_ago=10, real=True)
    assert_pointers(package, newer, newer)
    Build.objects.filter(pk=newer.pk).update(untagged=True)
    assert_pointers(package, older, older)
    Build.objects.filter(pk=newer.pk).update(untagged=False)
    assert_pointers(package, newer, newer)


def test_untagging_an_older_build_changes_nothing(collection):
    package = make_package("foo", collection, tracked=True)
    older = make_build(package, BuildState.COMPLETE, hours_ago=20, real=True)
    newer = make_build(package, BuildState.COMPLETE, hours_ago=10)
    Build.objects.filter(pk=older.pk).update(untagged=True)
    assert_pointers(package, newer, newer)


def test_an_untagged_build_never_becomes_last_complete_behind_a_running_build(collection):
    package = make_package("foo", collection, tracked=True)
    kept = make_build(package, BuildState.COMPLETE, hours_ago=30)
    untagged = make_build(package, BuildState.COMPLETE, hours_ago=20, real=True, untagged=True)
    running = make_build(package, BuildState.RUNNING, hours_ago=1)
    assert untagged.id > kept.id
    assert_pointers(package, running, kept)


def test_builds_started_at_the_same_moment_are_ordered_by_id(collection):
    package = make_package("foo", collection, tracked=True)
    moment = timezone.now() - timedelta(hours=3)
    first = make_build(package, BuildState.COMPLETE, started=moment)
    second = make_build(package, BuildState.FAILED, started=moment)
    assert_pointers(package, second, second)
    second.delete()
    assert_pointers(package, first, first)


def test_a_running_build_that_completes_becomes_last_complete(collection):
    package = make_package("foo", collection, tracked=True)
    older = make_build(package, BuildState.FAILED, hours_ago=10)
    running = make_build(package, BuildState.RUNNING, hours_ago=1)
    assert_pointers(package, running, older)
    Build.objects.filter(pk=running.pk).update(
        state=BuildState.COMPLETE, version="2", release="1", repo_id=8
    )
    assert_pointers(package, running, running)
    assert reload(package).last_complete_build_state == BuildState.COMPLETE


def test_a_first_build_running_then_complete_sets_both_pointers(collection):
    package = make_package("foo", collection, tracked=True)
    running = make_build(package, BuildState.RUNNING, hours_ago=1)
    assert_pointers(package, running, None)
    running.state, running.version, running.release, running.repo_id = 3, "1", "1", 1
    running.save()
    assert_pointers(package, running, running)


def test_changing_when_a_build_started_reorders_the_builds(collection):
    package = make_package("foo", collection, tracked=True)
    first = make_build(package, BuildState.COMPLETE, hours_ago=20)
    second = make_build(package, BuildState.FAILED, hours_ago=10)
    assert_pointers(package, second, second)
    Build.objects.filter(pk=first.pk).update(started=timezone.now())
    assert_pointers(package, first, first)


def test_moving_a_build_to_another_package_recomputes_both(collection):
    foo = make_package("foo", collection, tracked=True)
    bar = make_package("bar", collection, tracked=True)
    kept = make_build(foo, BuildState.COMPLETE, hours_ago=20)
    moved = make_build(foo, BuildState.FAILED, hours_ago=10)
    Build.objects.filter(pk=moved.pk).update(package=bar)
    assert_pointers(foo, kept, kept)
    assert_pointers(bar, moved, moved)


def test_deleting_the_last_complete_build_behind_a_running_one_falls_back(collection):
    package = make_package("foo", collection, tracked=True)
    oldest = make_build(package, BuildState.FAILED, hours_ago=30)
    complete = make_build(package, BuildState.COMPLETE, hours_ago=20)
    running = make_build(package, BuildState.RUNNING, hours_ago=1)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM build WHERE id = %s", [complete.pk])
    assert_pointers(package, running, oldest)


def test_deleting_every_build_clears_the_pointers(collection):
    package = make_package("foo", collection, tracked=True)
    make_build(package, BuildState.COMPLETE, hours_ago=20)
    make_build(package, BuildState.RUNNING, hours_ago=1)
    Build.objects.filter(package=package).delete()
    assert_pointers(package, None, None)


def test_builds_of_other_packages_do_not_count(collection):
    foo = make_package("foo", collection, tracked=True)
    bar = make_package("bar", collection, tracked=True)
    mine = make_build(foo, BuildState.COMPLETE, hours_ago=20)
    make_build(bar, BuildState.FAILED, hours_ago=1)
    make_build(bar, BuildState.RUNNING, hours_ago=0)
    assert_pointers(foo, mine, mine)


def last_build_started(package):
    return reload(package).last_build_started


def test_the_package_keeps_when_its_last_build_started(collection):
    package = make_package("foo", collection, tracked=True)
    assert last_build_started(package) is None
    older = make_build(package, BuildState.COMPLETE, hours_ago=20)
    assert last_build_started(package) == older.started
    running = make_build(package, BuildState.RUNNING, hours_ago=1)
    assert last_build_started(package) == running.started
    running.delete()
    assert last_build_started(package) == older.started
    Build.objects.filter(pk=older.pk).update(untagged=True)
    assert last_build_started(package) is None


def test_moving_the_last_builds_start_moves_the_packages_copy(collection):
    """The last build stays the last (no pointer changes), only its start moves."""
    package = make_package("foo", collection, tracked=True)
    make_build(package, BuildState.COMPLETE, hours_ago=30)
    last = make_build(package, BuildState.FAILED, hours_ago=10)
    moved = timezone.now() - timedelta(hours=5)
    Build.objects.filter(pk=last.pk).update(started=moved)
    assert reload(package).last_build_id == last.id
    assert last_build_started(package) == moved


def test_the_last_build_start_follows_a_reordering_and_a_move(collection):
    foo = make_package("foo", collection, tracked=True)
    bar = make_package("bar", collection, tracked=True)
    first = make_build(foo, BuildState.COMPLETE, hours_ago=20)
    second = make_build(foo, BuildState.FAILED, hours_ago=10)
    Build.objects.filter(pk=first.pk).update(started=timezone.now())
    assert last_build_started(foo) == reload(first).started
    Build.objects.filter(pk=first.pk).update(package=bar)
    assert last_build_started(foo) == second.started
    assert last_build_started(bar) == reload(first).started


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_leave_the_newest_build_last(collection):
    """Writer A inserts the newest build and holds its transaction open; writer B inserts
    an older build meanwhile.  Without the package row lock, B would compute from a
    snapshot without A's build and overwrite A's pointer with its older build."""
    package = make_package("foo", collection, tracked=True)
    now = timezone.now()
    waited = race(
        lambda: make_build(package, BuildState.COMPLETE, started=now),
        lambda: make_build(package, BuildState.COMPLETE, started=now - timedelta(hours=5)),
    )
    assert waited, "writer B never waited for writer A's package row lock"
    package = reload(package)
    newest = Build.objects.get(package=package, started=now)
    assert package.last_build_id == newest.id
    assert package.last_complete_build_id == newest.id
    assert list(Build.objects.filter(last_complete=True)) == [newest]


@pytest.mark.django_db(transaction=True)
def test_a_real_build_registered_while_a_running_build_finishes_stays_last(collection):
    """Writer A registers a newer real build and holds its transaction open; writer B
    finishes the running build meanwhile.  Without the package row lock, B would not see
    A's build and would overwrite last_complete_build with the build it finished."""
    package = make_package("foo", collection, tracked=True)
    make_build(package, BuildState.COMPLETE, hours_ago=30)
    finishing = make_build(package, BuildState.RUNNING, hours_ago=5)
    registered: list[Build] = []
    waited = race(
        lambda: registered.append(make_build(package, BuildState.COMPLETE, real=True)),
        lambda: Build.objects.filter(pk=finishing.pk).update(
            state=BuildState.COMPLETE, version="2", release="1", repo_id=9
        ),
    )
    assert waited, "writer B never waited for writer A's package row lock"
    assert_pointers(package, registered[0], registered[0])
    assert not reload(package).has_running_build
