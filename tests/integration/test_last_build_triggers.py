"""The database keeps last_build / last_complete_build exact (spec 5.2), also under races."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from builds.models import Build
from packages.states import BuildState
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


def wait_for_lock_waiter(seconds: float = 10) -> bool:
    """True once another backend waits for a lock (bounded polling)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_leave_the_newest_build_last(collection):
    """Writer A inserts the newest build and holds its transaction open; writer B inserts
    an older build meanwhile.  Without the package row lock, B would compute from a
    snapshot without A's build and overwrite A's pointer with its older build."""
    package = make_package("foo", collection, tracked=True)
    now = timezone.now()
    a_inserted = threading.Event()
    b_started = threading.Event()
    errors: list[BaseException] = []

    def writer(started, wait_before_commit: threading.Event | None, signal: threading.Event):
        try:
            with transaction.atomic():
                make_build(package, BuildState.COMPLETE, started=started)
                signal.set()
                if wait_before_commit is not None:
                    wait_before_commit.wait(10)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    a = threading.Thread(target=writer, args=(now, b_started, a_inserted))
    a.start()
    assert a_inserted.wait(10)
    b_done = threading.Event()
    b = threading.Thread(target=writer, args=(now - timedelta(hours=5), None, b_done))
    b.start()
    assert wait_for_lock_waiter(), "writer B never waited for writer A's package row lock"
    b_started.set()  # let A commit; B then proceeds and must see A's build
    a.join(20)
    b.join(20)
    assert not errors
    package = reload(package)
    newest = Build.objects.get(package=package, started=now)
    assert package.last_build_id == newest.id
    assert package.last_complete_build_id == newest.id
    assert list(Build.objects.filter(last_complete=True)) == [newest]
