"""Every admin page loads for operators, refuses everyone else, and stays cheap on big tables."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import timezone

from builds.models import Build, KojiTask, RepoMapping, ResourceConsumptionStats, ScalarStats
from packages.models import (
    AdminNotice,
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
    BuildrootProblem,
    Dependency,
    ResolutionChange,
    ResolutionProblem,
    UnappliedChange,
)
from tests.factories import (
    make_build,
    make_collection,
    make_dependency,
    make_group,
    make_package,
    make_resolution_change,
    make_task,
)

pytestmark = pytest.mark.django_db

REGISTERED = [
    Collection,
    CollectionGroup,
    BasePackage,
    Package,
    PackageGroup,
    GroupACL,
    AdminNotice,
    LogEntry,
    Build,
    KojiTask,
    ScalarStats,
    ResourceConsumptionStats,
    Dependency,
    ResolutionChange,
    ResolutionProblem,
    AppliedChange,
    UnappliedChange,
    BuildrootProblem,
    RepoMapping,
]
# Rows written by the backend (or append-only): no add, change or delete in the admin.
READ_ONLY = {
    BasePackage,
    LogEntry,
    Build,
    KojiTask,
    ScalarStats,
    ResourceConsumptionStats,
    Dependency,
    ResolutionChange,
    ResolutionProblem,
    AppliedChange,
    UnappliedChange,
    BuildrootProblem,
    RepoMapping,
}
# Created elsewhere: collections need Koji, packages come from Koji's package list.
NO_ADD = READ_ONLY | {Collection, Package}


def url(model: type, view: str, *args: object) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def one_of_everything(collection: Collection) -> dict[type, object]:
    """One row of every registered model, linked the way the backend links them."""
    package = make_package("foo", collection, tracked=True, resolved=True)
    build = make_build(package, BuildState.COMPLETE, hours_ago=10)
    make_build(package, BuildState.RUNNING, hours_ago=1)
    group = make_group("alice/tools", members=("foo",), maintainers=("alice",))
    collection_group = CollectionGroup.objects.create(name="fedora", display_name="Fedora")
    CollectionGroupRelation.objects.create(group=collection_group, collection=collection)
    old, new = make_dependency("bar", "1.0"), make_dependency("bar", "2.0")
    resolution = ResolutionChange.objects.create(package=package, resolved=False)
    return {
        Collection: collection,
        CollectionGroup: collection_group,
        BasePackage: package.base,
        Package: package,
        PackageGroup: group,
        GroupACL: GroupACL.objects.get(group=group),
        AdminNotice: AdminNotice.objects.create(key=AdminNotice.GLOBAL, content="Koji outage"),
        LogEntry: LogEntry.objects.create(environment=LogEnvironment.BACKEND, message="hello"),
        Build: build,
        KojiTask: make_task(build),
        ScalarStats: ScalarStats.objects.create(
            refresh_time=timezone.now(),
            packages=1,
            tracked_packages=1,
            blocked_packages=0,
            builds=2,
            real_builds=0,
            scratch_builds=2,
        ),
        ResourceConsumptionStats: ResourceConsumptionStats.objects.create(
            name="foo", arch="x86_64", time=timedelta(hours=2), time_percentage=1.0
        ),
        Dependency: old,
        ResolutionChange: resolution,
        ResolutionProblem: ResolutionProblem.objects.create(
            resolution=resolution, problem="nothing provides bar >= 3"
        ),
        AppliedChange: AppliedChange.objects.create(
            build=build, prev_dep=old, curr_dep=new, distance=1
        ),
        UnappliedChange: UnappliedChange.objects.create(
            package=package, prev_dep=old, curr_dep=new, distance=2
        ),
        BuildrootProblem: BuildrootProblem.objects.create(
            collection=collection, problem="package gcc is not installable"
        ),
        RepoMapping: RepoMapping.objects.create(secondary_id=5, primary_id=7, task_id=99),
    }


@pytest.fixture
def everything(collection):
    return one_of_everything(collection)


@pytest.fixture
def operator_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_every_model_of_the_three_apps_is_registered_except_relation_tables():
    from django.apps import apps

    relations = {CollectionGroupRelation, PackageGroupRelation}
    for label in ("packages", "builds", "resolution"):
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model) != (model in relations), model
    assert set(REGISTERED) <= set(admin.site._registry)


def test_admin_index_lists_every_app_under_koschei_branding(operator_client, everything):
    response = operator_client.get(reverse("admin:index"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Koschei administration" in text
    for model in REGISTERED:
        assert url(model, "changelist") in text, model
    assert admin.site.site_header == "Koschei administration"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_changelist_and_change_page_load_for_an_operator(operator_client, everything, model):
    assert operator_client.get(url(model, "changelist")).status_code == 200
    obj = everything[model]
    response = operator_client.get(url(model, "change", quote(obj.pk)))
    assert response.status_code == 200
    assert response.context["original"].pk == obj.pk


@pytest.mark.parametrize(
    "model",
    [m for m in REGISTERED if admin.site._registry[m].search_fields],
    ids=lambda m: m.__name__,
)
def test_changelist_search_works_for_an_operator(operator_client, everything, model):
    for term in ("foo", "12345", "x y"):
        assert operator_client.get(url(model, "changelist"), {"q": term}).status_code == 200


@pytest.mark.parametrize("model", sorted(set(REGISTERED) - NO_ADD, key=lambda m: m.__name__))
def test_add_page_loads_where_adding_is_allowed(operator_client, collection, model):
    assert operator_client.get(url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", sorted(READ_ONLY, key=lambda m: m.__name__))
def test_read_only_models_refuse_add_change_and_delete(operator_client, everything, model):
    obj = everything[model]
    before = model.objects.count()
    assert operator_client.get(url(model, "add")).status_code == 403
    assert operator_client.post(url(model, "add"), {}).status_code == 403
    assert (
        operator_client.post(url(model, "delete", quote(obj.pk)), {"post": "yes"}).status_code
        == 403
    )
    response = operator_client.get(url(model, "change", quote(obj.pk)))
    assert not response.context["has_change_permission"]
    assert model.objects.count() == before


def test_log_entries_cannot_be_changed_through_the_change_form(operator_client, everything):
    entry = everything[LogEntry]
    response = operator_client.post(
        url(LogEntry, "change", entry.pk), {"message": "forged", "environment": "admin"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.message == "hello"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_anonymous_visitors_are_sent_to_the_admin_login(client, everything, model):
    for page in (url(model, "changelist"), url(model, "change", quote(everything[model].pk))):
        response = client.get(page)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_logged_in_users_without_staff_status_are_refused(client, plain_user, everything, model):
    client.force_login(plain_user)
    for page in (url(model, "changelist"), url(model, "change", quote(everything[model].pk))):
        response = client.get(page)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_inactive_staff_users_are_refused(client, staff_user, everything):
    staff_user.is_active = False
    staff_user.save()
    client.force_login(staff_user)
    response = client.get(url(Package, "changelist"))
    assert response.status_code == 302


def test_a_non_staff_user_cannot_run_an_action(client, plain_user, collection):
    package = make_package("foo", collection)
    client.force_login(plain_user)
    response = client.post(
        url(Package, "changelist"),
        {"action": "track", "_selected_action": [package.pk], "apply": "yes"},
    )
    assert response.status_code == 302
    package.refresh_from_db()
    assert not package.tracked
    assert not LogEntry.objects.exists()


def many_rows(collection: Collection, count: int = 40) -> None:
    """Enough rows of everything that a query per row would show."""
    other = make_collection("f41")
    one_of_everything(collection)
    for i in range(count):
        package = make_package(f"pkg{i}", collection, tracked=True, resolved=True)
        make_package(f"pkg{i}", other)
        build = make_build(package, BuildState.FAILED, hours_ago=30)
        make_task(build)
        make_build(package, BuildState.RUNNING, hours_ago=1)
        make_group(f"user{i}/group{i}", members=(f"pkg{i}",), maintainers=(f"user{i}",))
        LogEntry.objects.create(
            environment=LogEnvironment.BACKEND, message=f"entry {i}", base=package.base
        )
        old, new = make_dependency(f"dep{i}", "1"), make_dependency(f"dep{i}", "2")
        AppliedChange.objects.create(build=build, prev_dep=old, curr_dep=new, distance=1)
        UnappliedChange.objects.create(package=package, prev_dep=old, curr_dep=new)
        change = ResolutionChange.objects.create(package=package, resolved=False)
        ResolutionProblem.objects.create(resolution=change, problem=f"problem {i}")
        BuildrootProblem.objects.create(collection=collection, problem=f"problem {i}")
        ResourceConsumptionStats.objects.create(name=f"pkg{i}", arch="x86_64")
        RepoMapping.objects.create(secondary_id=100 + i, task_id=i)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_changelists_use_a_bounded_number_of_queries_on_many_rows(
    operator_client, collection, model, django_assert_max_num_queries
):
    many_rows(collection)
    with django_assert_max_num_queries(12):
        response = operator_client.get(url(model, "changelist"))
    assert response.status_code == 200


def test_package_change_page_shows_derived_fields_read_only(operator_client, everything):
    package = everything[Package]
    response = operator_client.get(url(Package, "change", package.pk))
    form = response.context["adminform"].form
    assert set(form.fields) == {
        "tracked",
        "skip_resolution",
        "manual_priority",
        "static_priority",
        "arch_override",
    }
    text = response.content.decode()
    assert "Package has a running build" in text
    assert "last complete build" in text.lower()


def test_build_change_page_links_the_koji_task_and_its_logs(operator_client, everything):
    build = everything[Build]
    task = everything[KojiTask]
    text = operator_client.get(url(Build, "change", build.pk)).content.decode()
    assert f"taskinfo?taskID={build.task_id}" in text
    assert f"{task.results_url}/build.log" in text


def test_package_list_filters_by_state(operator_client, collection):
    make_package("ok-one", collection, tracked=True, resolved=True)
    failing = make_package("bad-one", collection, tracked=True, resolved=True)
    make_build(failing, BuildState.FAILED)
    make_package("lost-one", collection, tracked=False)
    response = operator_client.get(url(Package, "changelist"), {"state": "failing"})
    assert [p.name for p in response.context["cl"].result_list] == ["bad-one"]
    response = operator_client.get(url(Package, "changelist"), {"state": "untracked"})
    assert [p.name for p in response.context["cl"].result_list] == ["lost-one"]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_every_changelist_column_sorts_both_ways(operator_client, everything, model):
    columns = len(admin.site._registry[model].list_display)
    for index in range(1, columns + 1):
        for order in (str(index), f"-{index}"):
            response = operator_client.get(url(model, "changelist"), {"o": order})
            assert response.status_code == 200, (model, order)


def test_deleting_a_group_confirms_with_a_summary_not_every_membership(operator_client, everything):
    group = everything[PackageGroup]
    response = operator_client.get(url(PackageGroup, "delete", group.pk))
    assert response.status_code == 200
    assert "Group alice/tools with its memberships and maintainers" in response.content.decode()


def test_the_package_admin_is_an_operations_console(client, staff_user, collection):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    bash = make_package("bash", collection, tracked=True, resolved=True)
    build = make_build(bash, hours_ago=3, version="5.2", release="1.fc42", deps_resolved=True)
    make_resolution_change(bash, resolved=False, problems=("nothing provides <libfoo>",))
    UnappliedChange.objects.create(package=bash, curr_dep=make_dependency("glibc", "2.41"))
    body = client.get(f"/admin/packages/package/{bash.pk}/change/").content.decode()
    assert "Why and when will this build?" in body  # priority terms and gates
    assert "glibc" in body and "2.41" in body  # the changes behind its priority
    assert "nothing provides &lt;libfoo&gt;" in body  # resolution problems, escaped
    assert f"/admin/builds/build/?package__id__exact={bash.pk}" in body
    assert f"/admin/packages/logentry/?base__id__exact={bash.base_id}" in body
    builds = client.get(f"/admin/builds/build/?package__id__exact={bash.pk}")
    assert builds.status_code == 200 and str(build.task_id) in builds.content.decode()
    audit = client.get(f"/admin/packages/logentry/?base__id__exact={bash.base_id}")
    assert audit.status_code == 200
    page = client.get(f"/admin/builds/build/{build.pk}/change/").content.decode()
    assert "5.2-1.fc42" in page and "Dependency changes since the previous build" in page
