"""Secondary mode with two Koji hubs: a read-only secondary (kojisim --read-only) the
collection reads and resolves against, and the primary that regenerates a repo for each
resolved secondary repo (newRepo) and runs the scratch builds in it."""

from __future__ import annotations

import copy
import time

import koji
import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import timezone

from builds import tasks as build_tasks
from builds.koji import KojiSessions
from builds.models import Build, RepoMapping
from builds.services.repo_mappings import (
    MappingState,
    mapped_primary_repo,
    refresh_repo_mapping,
)
from builds.services.scheduler import Outcome, schedule_build
from builds.services.submit import submit_build
from kojisim.pytest_plugin import SMALL_SCENARIO
from koschei_site.errors import ServiceError
from packages.models import Collection, Package
from packages.states import BuildState
from resolution import tasks as resolution_tasks
from resolution.models import PackageResolution
from tests.conftest import use_kojisim

pytestmark = pytest.mark.django_db(transaction=True)

READY = koji.REPO_STATES["READY"]
FINISHED = {koji.TASK_STATES["CLOSED"], koji.TASK_STATES["FAILED"]}
OFF = -100_000
#: repos the secondary makes before the test, so its repo ids are not the primary's
SECONDARY_HEAD_START = 3


@pytest.fixture
def primary_perms():
    return ["repo"]


@pytest.fixture
def primary(kojisim_server, tmp_path, primary_perms):
    """The primary hub: the small scenario, where Koschei's user may regenerate repos."""
    scenario = yaml.safe_load(SMALL_SCENARIO.read_text())
    for user in scenario["users"]:
        if user["name"] == "koschei":
            user["perms"] = primary_perms
    path = tmp_path / "primary.yaml"
    path.write_text(yaml.safe_dump(scenario))
    return kojisim_server(path)


@pytest.fixture
def secondary(kojisim_server):
    """The secondary hub: read-only, a few repos ahead of the primary."""
    hub = kojisim_server(SMALL_SCENARIO, extra=["--read-only"])
    for _ in range(SECONDARY_HEAD_START):
        hub.sim("regenRepo", "f42-build")
    return hub


@pytest.fixture
def hubs(primary, secondary, settings, tmp_path):
    """Primary and secondary configured as the project's Koji hubs."""
    config = use_kojisim(settings, primary)
    config = copy.deepcopy(config)
    config["secondary_koji_config"].update(
        server=secondary.url, topurl=secondary.topurl, weburl=secondary.weburl
    )
    config["directories"]["cachedir"] = str(tmp_path / "cache")
    settings.KOSCHEI = config
    return primary, secondary


@pytest.fixture
def sessions(hubs):
    sessions = KojiSessions.from_settings()
    yield sessions
    sessions.close()


@pytest.fixture
def f42(hubs, sudo_user):
    """Collection f42 in secondary mode: packages, builds and repos from the secondary."""
    call_command(
        "create-collection", "f42", "-d", "F", "-t", "f42", "--dest-tag", "f42", "-m", "secondary"
    )
    call_command("refresh-packages", "f42")
    collection = Collection.objects.get(name="f42")
    Package.objects.filter(collection=collection, blocked=False).update(tracked=True)
    call_command("refresh-builds", "f42")
    return Collection.objects.get(pk=collection.pk)


def latest_repo(hub) -> int:
    return int(hub.session().getRepo("f42-build", state=READY)["id"])


def resolve(collection: Collection) -> Collection:
    """The periodic repo check, run to its end (tasks run synchronously in tests)."""
    resolution_tasks.check_new_repos()
    return Collection.objects.get(pk=collection.pk)


def wait_finished(hub, task_id: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    session = hub.session()
    while time.monotonic() < deadline:
        info = session.getTaskInfo(task_id)
        if info["state"] in FINISHED:
            return info
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not finish in {timeout}s")


def map_repo(collection: Collection, primary) -> RepoMapping:
    """Run the mapping step until the primary repo is recorded (bounded)."""
    for _ in range(5):
        mapping = RepoMapping.objects.filter(secondary_id=collection.latest_repo_id).first()
        if mapping is not None and mapping.primary_id is not None:
            return mapping
        if mapping is not None:
            wait_finished(primary, mapping.task_id)
        assert build_tasks.refresh_repo_mappings(collection.pk) == 0
    raise AssertionError("no primary repo mapped")


def make_candidate(collection: Collection, name: str) -> None:
    """Only ``name`` is over the build threshold."""
    Build.objects.update(started=timezone.now())
    Package.objects.filter(collection=collection).update(resolved=True, manual_priority=OFF)
    Package.objects.filter(collection=collection, name=name).update(manual_priority=2000)


def scratch_builds(hub) -> list[dict]:
    tasks = hub.session().listTasks(opts={"method": "build", "decode": True})
    return [t for t in tasks if (t["request"][2:3] or [{}])[0].get("scratch")]


def new_repo_tasks(hub) -> list[dict]:
    return hub.session().listTasks(opts={"method": "newRepo", "decode": True})


def test_a_secondary_mode_collection_resolves_against_the_secondary_repo(f42, hubs):
    primary, secondary = hubs
    assert latest_repo(secondary) != latest_repo(primary)
    f42 = resolve(f42)
    assert f42.latest_repo_id == latest_repo(secondary) and f42.latest_repo_resolved
    resolutions = PackageResolution.objects.filter(package__collection=f42)
    assert resolutions.exists()
    assert set(resolutions.values_list("repo_id", flat=True)) == {latest_repo(secondary)}


def test_the_mapping_is_the_primary_repo_made_by_its_new_repo_task(f42, hubs, sessions):
    primary, _ = hubs
    before = {t["id"] for t in new_repo_tasks(primary)}
    # recording the new secondary repo enqueues the mapping step: the newRepo starts at once
    f42 = resolve(f42)
    mapping = RepoMapping.objects.get(secondary_id=f42.latest_repo_id)
    assert mapping.primary_id is None and mapping.task_id not in before
    task = primary.session().getTaskInfo(mapping.task_id, request=True)
    assert (task["method"], task["request"]) == ("newRepo", ["f42-build"])
    wait_finished(primary, mapping.task_id)
    step = refresh_repo_mapping(collection=f42, sessions=sessions)
    assert step.state is MappingState.MAPPED
    mapping.refresh_from_db()
    assert mapping.primary_id == latest_repo(primary) != f42.latest_repo_id
    assert mapped_primary_repo(f42) == mapping.primary_id
    # idempotent: a finished mapping asks nothing more of the primary
    assert refresh_repo_mapping(collection=f42, sessions=sessions).state is MappingState.MAPPED
    assert len(new_repo_tasks(primary)) == len(before) + 1


def test_no_build_is_submitted_while_the_resolved_secondary_repo_has_no_primary_repo(
    f42, hubs, sessions
):
    primary, _ = hubs
    f42 = resolve(f42)
    make_candidate(f42, "foo")
    # the newRepo task is requested, its repo not recorded yet
    assert RepoMapping.objects.get(secondary_id=f42.latest_repo_id).primary_id is None
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.NOTHING
    reason = f"no primary repo mapped to secondary repo {f42.latest_repo_id}"
    assert [(s.package, s.reason) for s in decision.skipped] == [("foo (f42)", reason)]
    # no mapping at all holds the builds too
    RepoMapping.objects.all().delete()
    assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING
    foo = Package.objects.get(collection=f42, name="foo")
    with pytest.raises(ServiceError, match="no primary repo is mapped to secondary repo"):
        submit_build(package=foo, sessions=sessions)
    assert scratch_builds(primary) == [] and not Build.objects.filter(state=BuildState.RUNNING)
    # the skip is no penalty: the package is still the candidate once the repo is mapped
    foo.refresh_from_db()
    assert foo.manual_priority == 2000 and foo.scheduler_skip_reason is None


def test_the_scratch_build_runs_in_the_mapped_primary_repo(f42, hubs, sessions):
    primary, secondary = hubs
    f42 = resolve(f42)
    mapping = map_repo(f42, primary)
    make_candidate(f42, "foo")
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.SUBMITTED and decision.package == "foo (f42)"
    [task] = scratch_builds(primary)
    assert task["id"] == decision.task_id
    srpm, target, opts = task["request"][:3]
    assert (target, opts["repo_id"], opts["scratch"]) == ("f42", mapping.primary_id, True)
    assert srpm.endswith(".src.rpm")
    build = Build.objects.get(task_id=decision.task_id)
    # the build is resolved in the secondary repo its package was resolved in
    assert build.repo_id == f42.latest_repo_id != mapping.primary_id
    primary.sim("finishTasks", [decision.task_id])
    build_tasks.poll_builds()
    build.refresh_from_db()
    assert build.state == BuildState.COMPLETE and build.repo_id == f42.latest_repo_id
    children = primary.session().getTaskChildren(decision.task_id, request=True)
    arch_repos = {c["request"][4]["repo_id"] for c in children if c["method"] == "buildArch"}
    assert arch_repos == {mapping.primary_id}
    assert scratch_builds(secondary) == []


def test_a_new_secondary_repo_holds_builds_until_its_own_primary_repo_exists(f42, hubs, sessions):
    primary, secondary = hubs
    f42 = resolve(f42)
    first = map_repo(f42, primary)
    secondary.sim("regenRepo", "f42-build")
    f42 = resolve(f42)
    assert f42.latest_repo_id == latest_repo(secondary) != first.secondary_id
    make_candidate(f42, "foo")
    decision = schedule_build(sessions=sessions)
    assert (
        decision.outcome is Outcome.NOTHING
        and "no primary repo mapped" in decision.skipped[0].reason
    )
    second = map_repo(f42, primary)
    assert second.primary_id != first.primary_id
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.SUBMITTED
    assert scratch_builds(primary)[0]["request"][2]["repo_id"] == second.primary_id


def test_a_failed_new_repo_task_is_counted_and_replaced(f42, hubs, sessions, caplog):
    primary, _ = hubs
    primary.sim("failRepos", "f42-build", 1)
    f42 = resolve(f42)
    mapping = RepoMapping.objects.get(secondary_id=f42.latest_repo_id)
    failed_task = mapping.task_id
    assert wait_finished(primary, failed_task)["state"] == koji.TASK_STATES["FAILED"]
    step = refresh_repo_mapping(collection=f42, sessions=sessions)
    assert step.state is MappingState.RETRIED and step.failures == 1
    mapping.refresh_from_db()
    assert mapping.task_id != failed_task and mapping.primary_id is None and mapping.failures == 1
    assert f"newRepo task {failed_task} for secondary repo" in caplog.text
    make_candidate(f42, "foo")
    assert schedule_build(sessions=sessions).outcome is Outcome.NOTHING
    wait_finished(primary, mapping.task_id)
    assert refresh_repo_mapping(collection=f42, sessions=sessions).state is MappingState.MAPPED
    mapping.refresh_from_db()
    assert mapping.primary_id == latest_repo(primary) and mapping.failures == 1
    assert schedule_build(sessions=sessions).outcome is Outcome.SUBMITTED


def test_a_new_repo_task_unknown_to_the_primary_is_replaced(f42, hubs, sessions):
    primary, _ = hubs
    f42 = resolve(f42)
    RepoMapping.objects.filter(secondary_id=f42.latest_repo_id).update(task_id=999_999)
    step = refresh_repo_mapping(collection=f42, sessions=sessions)
    assert step.state is MappingState.RETRIED and step.task_id != 999_999
    assert map_repo(f42, primary).primary_id == latest_repo(primary)


def test_a_primary_refusing_new_repo_fails_only_that_step_and_records_nothing(f42, hubs):
    primary, _ = hubs
    primary.sim("addFault", {"kind": "fault", "method": "newRepo", "code": 1004, "count": -1})
    f42 = resolve(f42)  # the mapping step enqueued by the repo check fails on its own
    assert f42.latest_repo_resolved and PackageResolution.objects.exists()
    assert not RepoMapping.objects.exists()
    assert build_tasks.refresh_repo_mappings(f42.pk) == 1
    assert not RepoMapping.objects.exists()
    primary.sim("clearFaults")
    assert map_repo(f42, primary).primary_id == latest_repo(primary)


def test_a_primary_mode_collection_needs_no_mapping(hubs, sessions, sudo_user):
    primary, _ = hubs
    call_command("create-collection", "p42", "-d", "P", "-t", "f42", "--dest-tag", "f42")
    p42 = Collection.objects.get(name="p42")
    Collection.objects.filter(pk=p42.pk).update(
        latest_repo_id=latest_repo(primary), latest_repo_resolved=True
    )
    p42.refresh_from_db()
    assert (
        refresh_repo_mapping(collection=p42, sessions=sessions).state is MappingState.PRIMARY_MODE
    )
    assert mapped_primary_repo(p42) is None
    assert not RepoMapping.objects.exists()


def test_nothing_is_ever_written_to_the_secondary_hub(f42, hubs, sessions):
    primary, secondary = hubs
    status = secondary.sim("status")
    f42 = resolve(f42)
    map_repo(f42, primary)
    make_candidate(f42, "foo")
    decision = schedule_build(sessions=sessions)
    assert decision.outcome is Outcome.SUBMITTED
    primary.sim("finishTasks", [decision.task_id])
    build_tasks.poll_builds()
    build_tasks.refresh_packages(f42.pk)
    build_tasks.refresh_real_builds(f42.pk)
    after = secondary.sim("status")
    assert after["refused_writes"] == {}
    assert (after["tasks"], after["builds"], after["repos"]) == (
        status["tasks"],
        status["builds"],
        status["repos"],
    )
    assert scratch_builds(secondary) == []


@pytest.mark.parametrize("primary_perms", [["repo", "admin"]])
def test_with_a_repo_url_the_primary_build_tag_takes_the_secondary_repo_as_external_repo(
    f42, hubs, settings, primary_perms
):
    primary, secondary = hubs
    config = copy.deepcopy(settings.KOSCHEI)
    url = secondary.topurl + "/repos/{build_tag}/{repo_id}/{arch}"
    config["secondary_koji_config"]["repo_url"] = url
    settings.KOSCHEI = config
    f42 = resolve(f42)
    map_repo(f42, primary)
    [link] = primary.session().getTagExternalRepos("f42-build")
    first = f42.latest_repo_id
    assert (link["external_repo_name"], link["url"], link["priority"]) == (
        f"f42-{first}",
        f"{secondary.topurl}/repos/f42-build/{first}/$arch/",
        0,
    )
    secondary.sim("regenRepo", "f42-build")
    f42 = resolve(f42)
    map_repo(f42, primary)
    # the new secondary repo replaces the old one: one external repo, the one resolved
    [link] = primary.session().getTagExternalRepos("f42-build")
    assert link["external_repo_name"] == f"f42-{f42.latest_repo_id}" != f"f42-{first}"
    assert secondary.sim("status")["refused_writes"] == {}


def test_submit_build_refuses_in_one_line_until_the_secondary_repo_is_mapped(f42, hubs):
    primary, _ = hubs
    f42 = resolve(f42)
    RepoMapping.objects.all().delete()
    with pytest.raises(CommandError, match=r"^Collection f42: no primary repo is mapped to .*yet$"):
        call_command("submit-build", "foo", "-c", "f42")
    assert scratch_builds(primary) == [] and not Build.objects.filter(state=BuildState.RUNNING)
    mapping = map_repo(f42, primary)
    call_command("submit-build", "foo", "-c", "f42")
    [task] = scratch_builds(primary)
    assert task["request"][2]["repo_id"] == mapping.primary_id
