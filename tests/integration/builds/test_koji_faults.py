"""Koji faults are faults: multicall helpers, command errors and bounded command retries."""

from __future__ import annotations

import copy
import gc
import io
import threading
import warnings

import pytest
from django.core.management import CommandError, call_command
from django.db import connections, transaction

from builds import koji
from builds.koji import KojiError, KojiSessions, KojiUnavailable
from builds.models import Build
from builds.services.package_list import refresh_packages
from builds.services.real_builds import refresh_latest_builds
from koschei_site.errors import ExternalError
from packages.models import Collection
from tests.concurrency import wait_for_lock_waiter
from tests.conftest import use_kojisim
from tests.integration.builds.conftest import sessions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _collect_failed_connections():
    """The tests here break connections on purpose (drops, timeouts, refused logins), and
    urllib3 leaves such sockets to the garbage collector: collect them after each test, where
    their ResourceWarning is expected, instead of letting it surface in a later test."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


FOO_SRPM = {"name": "foo", "version": "1.0", "release": "1.fc42", "arch": "src"}


def fault(hub, method, code=1001, count=-1, string="Simulated fault"):
    hub.sim("addFault", {"kind": "fault", "method": method, "code": code, "count": count,
                         "string": string})  # fmt: skip


def task_ids(hub):
    return [int(b["task_id"]) for b in hub.session().listTagged("f42", latest=True)]


# Multicall helpers: a fault is an error, only Koji's own "no such object" is absence


def test_a_fault_on_get_task_children_fails_refresh_builds_instead_of_skipping(f42, koji_hub):
    refresh_packages(collection=f42, sessions=sessions())
    fault(koji_hub, "getTaskChildren")
    with pytest.raises(KojiUnavailable, match=r"getTaskChildren.*LockError: Simulated fault"):
        refresh_latest_builds(collection=f42, sessions=sessions())
    with pytest.raises(CommandError) as caught:
        call_command("refresh-builds", "f42")
    assert "\n" not in str(caught.value)
    assert not Build.objects.exists()


def test_a_generic_fault_inside_a_multicall_is_raised_not_taken_for_absence(koji_hub):
    session = sessions().for_reading()
    ids = task_ids(koji_hub)
    fault(koji_hub, "getTaskInfo", code=1000, count=1)
    with pytest.raises(KojiError, match=r"getTaskInfo.*GenericError: Simulated fault") as caught:
        koji.get_task_infos(session, ids)
    assert not isinstance(caught.value, KojiUnavailable)  # not Koji's outage: a refusal
    assert isinstance(caught.value, ExternalError)


def test_unknown_tasks_are_absent_and_known_ones_are_read(koji_hub):
    session = sessions().for_reading()
    known = task_ids(koji_hub)[0]
    infos = koji.get_task_infos(session, [known, 999999])
    assert infos[0]["id"] == known and infos[1] is None
    children = koji.get_task_children(session, [known, 999999])
    assert children[0] and children[1] == []


def test_a_fault_on_get_rpm_deps_raises_and_an_unknown_srpm_is_absent(koji_hub):
    session = sessions().for_reading()
    unknown = {**FOO_SRPM, "version": "9.9"}
    known, missing = koji.get_rpm_requires(session, [FOO_SRPM, unknown])
    assert known is not None and missing is None
    fault(koji_hub, "getRPMDeps", count=1)
    with pytest.raises(KojiUnavailable, match="getRPMDeps"):
        koji.get_rpm_requires(session, [FOO_SRPM])
    fault(koji_hub, "getRPMDeps", code=1000, count=1, string="No such rpm but not Koji's words")
    with pytest.raises(KojiError):
        koji.get_rpm_requires(session, [FOO_SRPM])


def test_multicall_results_keep_their_order_and_absent_objects_are_none(koji_hub):
    session = koji_hub.session()
    calls = [(("f42",), {}), (("nope",), {"strict": True}), (("f42-build",), {})]
    results = koji.multicall(session, "getTag", calls, chunk=2, absent="No such tagInfo:")
    assert results[0]["name"] == "f42" and results[2]["name"] == "f42-build"
    assert results[1] is None
    with pytest.raises(KojiError, match="getTag"):
        koji.multicall(session, "getTag", calls, chunk=2)


# Command errors: whatever Koji does, one line and a non-zero exit

TRACEBACK = "Traceback (most recent call last):\n  File x\nKeyError: 'y'"
CREATE = ("create-collection", "f43", "-d", "Fedora 43", "-t", "f42")


def command_error(*command: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command(*command)
    message = str(caught.value)
    assert message and "\n" not in message
    return message


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"kind": "fault", "code": 1000, "string": "No way"}, "GenericError: No way"),
        ({"kind": "fault", "code": 1001, "string": "Locked\nsecond line"}, "LockError: Locked"),
        ({"kind": "fault", "code": 1014}, "ServerOffline: Simulated fault"),
        ({"kind": "fault", "code": 1, "string": TRACEBACK}, "Fault 1: KeyError: 'y'"),
        ({"kind": "http500"}, "HTTPError: 500 Server Error"),
        ({"kind": "drop"}, "ConnectionError"),
    ],
)  # fmt: skip
def test_koji_errors_end_a_command_in_one_line_and_change_nothing(
    koji_hub, sudo_user, rule, expected
):
    koji_hub.sim("addFault", {**rule, "method": "getBuildTarget", "count": -1})
    message = command_error(*CREATE)
    assert message.startswith("Koji get_build_target failed: ") and expected in message
    assert not Collection.objects.exists()


def test_a_koji_timeout_ends_a_command_in_one_line(koji_hub, sudo_user, settings):
    use_kojisim(settings, koji_hub, timeout=0.5)
    koji_hub.sim(
        "addFault", {"kind": "latency", "method": "getBuildTarget", "delay": 2, "count": -1}
    )
    assert "Timeout" in command_error(*CREATE)


def test_a_failed_koji_login_ends_a_command_in_one_line(f42, settings):
    refresh_packages(collection=f42, sessions=sessions())
    refresh_latest_builds(collection=f42, sessions=sessions())
    Collection.objects.filter(pk=f42.pk).update(latest_repo_id=100, latest_repo_resolved=True)
    config = copy.deepcopy(settings.KOSCHEI)
    config["koji_config"]["session_opts"]["password"] = "wrong"
    settings.KOSCHEI = config
    message = command_error("submit-build", "foo", "-c", "f42")
    assert message.startswith("Koji login to ") and "AuthError" in message


@pytest.mark.django_db(transaction=True)
def test_refresh_builds_racing_delete_collection_fails_in_one_line(f42):
    refresh_packages(collection=f42, sessions=sessions())
    deleted, may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def delete() -> None:
        try:
            with transaction.atomic():
                call_command("delete-collection", "f42", "--force", stdout=io.StringIO())
                deleted.set()
                may_commit.wait(10)
        finally:
            deleted.set()
            connections.close_all()

    def refresh() -> None:
        try:
            call_command("refresh-builds", "f42", stdout=io.StringIO())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    deleter = threading.Thread(target=delete)
    deleter.start()
    deleted.wait(10)
    refresher = threading.Thread(target=refresh)
    refresher.start()
    waited = wait_for_lock_waiter()
    may_commit.set()
    deleter.join(20)
    refresher.join(20)
    assert waited and not deleter.is_alive() and not refresher.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], CommandError), errors
    assert str(errors[0]).startswith("Database ") and "\n" not in str(errors[0])
    assert not Collection.objects.exists() and not Build.objects.exists()


# Retries: commands give up soon, workers wait Koji out and log every failed try


def test_commands_have_a_short_retry_bound_while_workers_keep_the_configured_one(
    koji_hub, settings, caplog
):
    config = copy.deepcopy(settings.KOSCHEI)
    config["koji_config"]["session_opts"]["max_retries"] = 5
    config["koji_config"]["command_session_opts"] = {"max_retries": 1, "retry_interval": 0}
    settings.KOSCHEI = config
    koji_hub.sim("addFault", {"kind": "http500", "method": "getBuildTarget", "count": 4})
    with pytest.raises(KojiUnavailable, match="HTTPError: 500"):  # after 2 tries
        koji.get_build_target(KojiSessions.for_commands().for_reading(), "f42")
    caplog.clear()
    target = koji.get_build_target(KojiSessions.from_settings().for_reading(), "f42")
    assert target["build_tag_name"] == "f42-build"
    tries = [r for r in caplog.records if r.name == "koji" and "Try #" in r.getMessage()]
    assert len(tries) == 2  # it rode out the other two failures, logging each
