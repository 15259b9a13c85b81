"""Submitting scratch builds and the Koji adapter's fault handling, against kojisim."""

from __future__ import annotations

import koji as koji_lib
import pytest
from django.core.management import CommandError, call_command

from builds import koji
from builds.koji import FaultKind, KojiSessions, classify
from builds.models import Build
from builds.services.package_list import refresh_packages
from builds.services.real_builds import refresh_latest_builds
from builds.services.submit import package_arches, submit_build
from koschei_site.errors import ServiceError
from packages.models import Collection, Package
from packages.states import BuildState

pytestmark = pytest.mark.django_db


@pytest.fixture
def f42(koji_hub, sudo_user):
    call_command("create-collection", "f42", "-d", "Fedora 42", "-t", "f42", "--dest-tag", "f42")
    collection = Collection.objects.get(name="f42")
    sessions = KojiSessions.from_settings()
    refresh_packages(collection=collection, sessions=sessions)
    refresh_latest_builds(collection=collection, sessions=sessions)
    Collection.objects.filter(pk=collection.pk).update(
        latest_repo_id=100, latest_repo_resolved=True
    )
    collection.refresh_from_db()
    return collection


def package(collection, name):
    return Package.objects.select_related("collection", "last_complete_build").get(
        collection=collection, name=name
    )


def build_tasks(hub):
    session = hub.session()
    return session.listTasks(opts={"method": "build", "decode": True})


def test_submit_build_creates_a_scratch_task_and_a_running_build(f42, koji_hub):
    foo = package(f42, "foo")
    build = submit_build(
        package=foo, sessions=KojiSessions.from_settings(), arch_override=["x86_64"]
    )
    assert build.state == BuildState.RUNNING and (build.version, build.release) == ("1.0", "1.fc42")
    task = koji_hub.session().getTaskInfo(build.task_id, request=True)
    srpm, target, opts = task["request"][:3]
    assert srpm == "../packages/foo/1.0/1.fc42/src/foo-1.0-1.fc42.src.rpm"
    assert target == "f42" and opts["scratch"] is True and opts["arch_override"] == "x86_64"
    koji_hub.sim("advanceClock", 60)
    children = koji_hub.session().getTaskChildren(build.task_id, request=True)
    assert [(c["method"], c["arch"]) for c in children] == [("buildArch", "x86_64")]


def test_submit_build_without_a_repo_is_refused(f42):
    Collection.objects.filter(pk=f42.pk).update(latest_repo_id=None, latest_repo_resolved=None)
    with pytest.raises(ServiceError, match="has no repo yet"):
        submit_build(package=package(f42, "foo"), sessions=KojiSessions.from_settings())


def test_submit_build_from_repo_id_passes_the_repo_instead_of_a_target(f42, koji_hub, settings):
    settings.KOSCHEI["koji_config"]["build_from_repo_id"] = True
    build = submit_build(package=package(f42, "foo"), sessions=KojiSessions.from_settings())
    task = koji_hub.session().getTaskInfo(build.task_id, request=True)
    assert task["request"][1] is None and task["request"][2]["repo_id"] == 100
    assert build.repo_id == 100


def test_package_arches_follow_exclusivearch_and_noarch(f42):
    sessions = KojiSessions.from_settings()
    assert package_arches(package=package(f42, "qux"), sessions=sessions) == {"x86_64"}
    assert package_arches(package=package(f42, "baz"), sessions=sessions) == {"noarch"}
    assert package_arches(package=package(f42, "foo"), sessions=sessions) == {"x86_64", "aarch64"}


def test_a_build_whose_reply_is_lost_is_found_and_not_submitted_twice(f42, koji_hub):
    koji_hub.sim("addFault", {"kind": "drop_after", "method": "build", "count": 1})
    before = len(build_tasks(koji_hub))
    build = submit_build(package=package(f42, "foo"), sessions=KojiSessions.from_settings())
    tasks = build_tasks(koji_hub)
    assert len(tasks) == before + 1
    assert build.task_id == max(t["id"] for t in tasks)


def test_a_build_refused_before_it_happened_is_not_invented(f42, koji_hub):
    koji_hub.sim("addFault", {"kind": "drop", "method": "build", "count": -1})
    with pytest.raises(Exception) as caught:  # whatever the transport raised
        submit_build(package=package(f42, "foo"), sessions=KojiSessions.from_settings())
    assert classify(caught.value) is FaultKind.INFRASTRUCTURE
    assert not Build.objects.filter(state=BuildState.RUNNING).exists()


def test_koji_lock_errors_and_raw_faults_are_infrastructure_faults(koji_hub):
    session = koji_hub.session()
    koji_hub.sim("addFault", {"kind": "fault", "method": "getTag", "code": 1001, "count": 1})
    with pytest.raises(koji_lib.LockError) as lock:
        session.getTag("f42")
    koji_hub.sim("addFault", {"kind": "fault", "method": "getTag", "code": 1, "count": 1})
    with pytest.raises(Exception) as raw:  # a raw xmlrpc Fault
        session.getTag("f42")
    assert classify(lock.value) is FaultKind.INFRASTRUCTURE
    assert classify(raw.value) is FaultKind.INFRASTRUCTURE
    assert classify(koji_lib.BuildError("failed")) is FaultKind.PACKAGE
    assert classify(koji_lib.ParameterError("bad")) is FaultKind.OTHER


def test_a_failed_build_is_a_package_failure_not_an_infrastructure_fault(f42, koji_hub):
    build = submit_build(package=package(f42, "broken"), sessions=KojiSessions.from_settings())
    koji_hub.sim("finishTasks", [build.task_id], "FAILED")
    assert not koji.task_failed_on_infrastructure(koji_hub.session(), build.task_id)


def test_submit_build_command_reports_what_it_skipped(f42, capsys):
    call_command("submit-build", "foo", "baz", "-c", "f42")
    captured = capsys.readouterr()
    assert "Submitted 2 of 2 builds" in captured.out
    assert Build.objects.filter(state=BuildState.RUNNING).count() == 2
    with pytest.raises(CommandError, match="No such package"):
        call_command("submit-build", "nope")


def test_submit_build_command_skips_packages_without_allowed_arches(f42, capsys):
    Package.objects.filter(collection=f42, name="qux").update(arch_override="^x86_64")
    call_command("submit-build", "qux")
    captured = capsys.readouterr()
    assert "No allowed arches found for qux in f42" in captured.err
    assert not Build.objects.filter(state=BuildState.RUNNING).exists()


def test_the_primary_session_logs_in_with_a_client_certificate_when_configured(kojisim_server, pki):
    tls = [
        "--tls-cert",
        str(pki["server"]),
        "--tls-key",
        str(pki["server_key"]),
        "--tls-ca",
        str(pki["ca"]),
    ]
    hub = kojisim_server(None, speed=0.0, extra=tls, client_opts={"serverca": str(pki["ca"])})
    config = {
        "server": hub.url,
        "login_method": "ssl_login",
        "login_args": {"cert": str(pki["client"]), "serverca": str(pki["ca"])},
        "session_opts": {"serverca": str(pki["ca"]), "max_retries": 1, "timeout": 30},
    }
    sessions = KojiSessions(config, config)
    assert sessions.primary.getLoggedInUser()["name"] == "koschei"
    assert sessions.for_reading().getLoggedInUser() is None  # reads stay anonymous
