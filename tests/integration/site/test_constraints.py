"""Every CHECK, unique constraint and partial index of spec 5.1 holds in the database."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from builds.models import Build, KojiTask
from packages.models import (
    BasePackage,
    Collection,
    CollectionGroup,
    CollectionGroupRelation,
    GroupACL,
    LogEntry,
    Package,
    PackageGroup,
    PackageGroupRelation,
)
from packages.states import BuildState, LogEnvironment
from resolution.models import (
    AppliedChange,
    Dependency,
    ResolutionChange,
    ResolutionProblem,
    UnappliedChange,
)
from tests.factories import make_build, make_collection, make_package, make_task

pytestmark = pytest.mark.django_db


def rejected(create):
    """Run ``create`` in its own savepoint; True when the database refuses it."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


# collection


@pytest.mark.parametrize(
    ("repo_id", "resolved", "refused"),
    [
        (None, None, False),
        (7, True, False),
        (7, False, False),
        (7, None, True),
        (None, False, True),
    ],
)
def test_collection_latest_repo_id_and_resolved_are_set_together(repo_id, resolved, refused):
    assert (
        rejected(
            lambda: make_collection("f42", latest_repo_id=repo_id, latest_repo_resolved=resolved)
        )
        is refused
    )


def test_collection_names_are_unique(collection):
    assert rejected(lambda: make_collection("f42"))


def test_collection_group_names_are_unique_and_memberships_too(collection):
    group = CollectionGroup.objects.create(name="fedora", display_name="Fedora")
    assert rejected(lambda: CollectionGroup.objects.create(name="fedora", display_name="Other"))
    CollectionGroupRelation.objects.create(group=group, collection=collection)
    assert rejected(
        lambda: CollectionGroupRelation.objects.create(group=group, collection=collection)
    )


# base_package and package


def test_base_package_names_are_unique():
    BasePackage.objects.create(name="foo")
    assert rejected(lambda: BasePackage.objects.create(name="foo"))


@pytest.mark.parametrize(
    ("skip", "resolved", "refused"),
    [
        (False, None, False),
        (False, True, False),
        (False, False, False),
        (True, None, False),
        (True, True, True),
        (True, False, True),
    ],
)
def test_a_package_skipping_resolution_has_no_resolution_result(
    collection, skip, resolved, refused
):
    assert (
        rejected(lambda: make_package("foo", collection, skip_resolution=skip, resolved=resolved))
        is refused
    )


def test_a_package_exists_once_per_collection(collection):
    make_package("foo", collection)
    assert rejected(lambda: make_package("foo", collection))
    make_package("foo", make_collection("f41"))


def test_the_partial_package_index_covers_only_unblocked_packages():
    assert "WHERE (NOT blocked)" in index_definition("ix_package_collection_id")
    assert "(collection_id, tracked)" in index_definition("ix_package_collection_id")


# build and koji_task


def new_build(package, **fields):
    values = {
        "state": BuildState.COMPLETE,
        "task_id": 1,
        "started": timezone.now(),
        "version": "1",
        "release": "1",
        "repo_id": 1,
        **fields,
    }
    return lambda: Build.objects.create(package=package, **values)


@pytest.mark.parametrize(
    ("state", "refused"), [(0, True), (1, True), (2, False), (3, False), (4, True), (5, False)]
)
def test_a_build_state_is_running_complete_or_failed(collection, state, refused):
    package = make_package("foo", collection)
    assert rejected(new_build(package, state=state)) is refused


@pytest.mark.parametrize("missing", ["version", "release", "repo_id"])
@pytest.mark.parametrize("state", [BuildState.COMPLETE, BuildState.FAILED])
def test_a_finished_build_needs_version_release_and_repo(collection, state, missing):
    package = make_package("foo", collection)
    assert rejected(new_build(package, state=state, **{missing: None}))


def test_a_running_build_may_lack_version_release_and_repo(collection):
    package = make_package("foo", collection)
    assert not rejected(
        new_build(package, state=BuildState.RUNNING, version=None, release=None, repo_id=None)
    )


@pytest.mark.parametrize(
    ("state", "refused"),
    [(BuildState.RUNNING, True), (BuildState.COMPLETE, False), (BuildState.FAILED, False)],
)
def test_a_real_build_is_never_running(collection, state, refused):
    package = make_package("foo", collection)
    assert rejected(new_build(package, state=state, real=True)) is refused


def test_finishing_a_build_without_its_nvr_is_refused(collection):
    build = make_build(make_package("foo", collection), BuildState.RUNNING)
    assert rejected(lambda: Build.objects.filter(pk=build.pk).update(state=BuildState.COMPLETE))


@pytest.mark.parametrize(("state", "refused"), [(-1, True), (0, False), (5, False), (6, True)])
def test_a_koji_task_state_is_one_of_kojis_six(collection, state, refused):
    build = make_build(make_package("foo", collection))
    assert rejected(lambda: make_task(build, state=state)) is refused


def test_the_partial_build_indexes_exist():
    unprocessed = index_definition("ix_builds_unprocessed")
    assert "(task_id)" in unprocessed
    assert "deps_resolved IS NULL" in unprocessed
    assert "repo_id IS NOT NULL" in unprocessed
    last_complete = index_definition("ix_builds_last_complete")
    assert "(package_id, task_id)" in last_complete
    assert "WHERE last_complete" in last_complete
    assert "(package_id, started DESC)" in index_definition("ix_build_composite")


# dependency


def new_dependency(epoch=None, **fields):
    values = {"name": "glibc", "epoch": epoch, "version": "2.40", "release": "1", "arch": "x86_64"}
    return lambda: Dependency.objects.create(**{**values, **fields})


@pytest.mark.parametrize("epoch", [None, 0, 1])
def test_a_dependency_nevra_is_stored_once_even_with_a_null_epoch(epoch):
    new_dependency(epoch)()
    assert rejected(new_dependency(epoch))


def test_dependencies_differing_in_one_field_are_distinct():
    new_dependency(None)()
    for different in (
        new_dependency(0),
        new_dependency(None, name="glibc-devel"),
        new_dependency(None, version="2.41"),
        new_dependency(None, release="2"),
        new_dependency(None, arch="i686"),
    ):
        assert not rejected(different)


# package_group and group_acl


def test_two_global_groups_may_not_share_a_name():
    PackageGroup.objects.create(namespace=None, name="python")
    assert rejected(lambda: PackageGroup.objects.create(namespace=None, name="python"))


def test_groups_in_one_namespace_have_distinct_names_across_namespaces_they_may_repeat():
    PackageGroup.objects.create(namespace="alice", name="python")
    assert rejected(lambda: PackageGroup.objects.create(namespace="alice", name="python"))
    assert not rejected(lambda: PackageGroup.objects.create(namespace="bob", name="python"))
    assert not rejected(lambda: PackageGroup.objects.create(namespace=None, name="python"))


def test_group_memberships_and_maintainers_are_unique(plain_user):
    group = PackageGroup.objects.create(name="python")
    base = BasePackage.objects.create(name="foo")
    PackageGroupRelation.objects.create(group=group, base=base)
    assert rejected(lambda: PackageGroupRelation.objects.create(group=group, base=base))
    GroupACL.objects.create(group=group, user=plain_user)
    assert rejected(lambda: GroupACL.objects.create(group=group, user=plain_user))


# applied_change and unapplied_change


@pytest.fixture
def two_dependencies():
    old = Dependency.objects.create(name="a", version="1", release="1", arch="noarch")
    new = Dependency.objects.create(name="a", version="2", release="1", arch="noarch")
    return old, new


@pytest.mark.parametrize("model", ["applied", "unapplied"])
def test_a_dependency_change_changes_something(collection, two_dependencies, model):
    old, new = two_dependencies
    package = make_package("foo", collection)
    build = make_build(package)

    def change(prev, curr):
        if model == "applied":
            return lambda: AppliedChange.objects.create(build=build, prev_dep=prev, curr_dep=curr)
        return lambda: UnappliedChange.objects.create(package=package, prev_dep=prev, curr_dep=curr)

    assert rejected(change(None, None))
    assert rejected(change(old, old))
    assert not rejected(change(old, new))
    assert not rejected(change(None, new))
    assert not rejected(change(old, None))


# log_entry


@pytest.mark.parametrize(
    ("with_user", "environment", "refused"),
    [
        (False, LogEnvironment.BACKEND, False),
        (False, LogEnvironment.ADMIN, True),
        (False, LogEnvironment.FRONTEND, True),
        (True, LogEnvironment.ADMIN, False),
        (True, LogEnvironment.FRONTEND, False),
        (True, LogEnvironment.BACKEND, False),
    ],
)
def test_a_log_entry_has_a_user_unless_the_backend_wrote_it(
    plain_user, with_user, environment, refused
):
    user = plain_user if with_user else None
    assert (
        rejected(lambda: LogEntry.objects.create(user=user, environment=environment, message="m"))
        is refused
    )


def test_a_log_entry_gets_its_timestamp_from_the_database():
    entry = LogEntry.objects.create(environment=LogEnvironment.BACKEND, message="m")
    entry.refresh_from_db()
    assert abs((timezone.now() - entry.timestamp).total_seconds()) < 60


# ON DELETE actions in SQL (bulk deletes bypass Django's emulated cascades)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_deleting_a_package_in_sql_removes_its_builds_changes_and_history(
    collection, two_dependencies
):
    old, new = two_dependencies
    package = make_package("foo", collection)
    build = make_build(package)
    make_task(build)
    AppliedChange.objects.create(build=build, prev_dep=old, curr_dep=new)
    UnappliedChange.objects.create(package=package, prev_dep=old, curr_dep=new)
    change = ResolutionChange.objects.create(package=package, resolved=False)
    ResolutionProblem.objects.create(resolution=change, problem="nothing provides x")
    sql("DELETE FROM package WHERE id = %s", [package.pk])
    for model in (Build, KojiTask, AppliedChange, UnappliedChange, ResolutionChange):
        assert not model.objects.exists(), model
    assert not ResolutionProblem.objects.exists()
    assert Dependency.objects.count() == 2


def test_deleting_a_dependency_in_sql_removes_the_changes_naming_it(collection, two_dependencies):
    old, new = two_dependencies
    package = make_package("foo", collection)
    AppliedChange.objects.create(build=make_build(package), prev_dep=old, curr_dep=new)
    UnappliedChange.objects.create(package=package, prev_dep=None, curr_dep=new)
    sql("DELETE FROM dependency WHERE id = %s", [new.pk])
    assert not AppliedChange.objects.exists()
    assert not UnappliedChange.objects.exists()


def test_deleting_a_base_package_in_sql_removes_its_packages_groups_links_and_log(
    collection, plain_user
):
    package = make_package("foo", collection)
    group = PackageGroup.objects.create(name="g")
    PackageGroupRelation.objects.create(group=group, base=package.base)
    LogEntry.objects.create(
        user=plain_user, environment=LogEnvironment.FRONTEND, message="m", base=package.base
    )
    sql("DELETE FROM base_package WHERE id = %s", [package.base_id])
    assert not Package.objects.exists()
    assert not PackageGroupRelation.objects.exists()
    assert not LogEntry.objects.exists()
    assert PackageGroup.objects.exists()


def test_deleting_a_group_in_sql_removes_its_members_and_maintainers(plain_user):
    group = PackageGroup.objects.create(name="g")
    PackageGroupRelation.objects.create(group=group, base=BasePackage.objects.create(name="foo"))
    GroupACL.objects.create(group=group, user=plain_user)
    sql("DELETE FROM package_group WHERE id = %s", [group.pk])
    assert not PackageGroupRelation.objects.exists()
    assert not GroupACL.objects.exists()
    assert BasePackage.objects.exists()
    assert get_user_model().objects.filter(pk=plain_user.pk).exists()


def test_deleting_a_collection_in_sql_removes_its_packages_and_memberships(collection):
    make_package("foo", collection)
    group = CollectionGroup.objects.create(name="fedora", display_name="Fedora")
    CollectionGroupRelation.objects.create(group=group, collection=collection)
    sql("DELETE FROM collection WHERE id = %s", [collection.pk])
    assert not Package.objects.exists()
    assert not CollectionGroupRelation.objects.exists()
    assert not Collection.objects.exists()
    assert BasePackage.objects.exists()


def index_definition(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
    assert row is not None, f"index {name} is missing"
    return row[0]


def test_deleting_a_user_in_sql_removes_their_maintainerships_and_log_entries(plain_user):
    group = PackageGroup.objects.create(name="g")
    GroupACL.objects.create(group=group, user=plain_user)
    LogEntry.objects.create(user=plain_user, environment=LogEnvironment.FRONTEND, message="m")
    sql("DELETE FROM auth_user WHERE id = %s", [plain_user.pk])
    assert not GroupACL.objects.exists()
    assert not LogEntry.objects.exists()
    assert PackageGroup.objects.exists()
