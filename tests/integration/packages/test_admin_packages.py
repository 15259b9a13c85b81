"""Package and collection admin: every write goes through the audited services."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from packages.models import Collection, LogEntry, Package
from packages.states import BuildState, LogEnvironment
from resolution.models import UnappliedChange
from tests.factories import make_build, make_collection, make_dependency, make_package, reload

pytestmark = pytest.mark.django_db

PACKAGES = reverse("admin:packages_package_changelist")
COLLECTIONS = reverse("admin:packages_collection_changelist")


def text(response) -> str:
    return html.unescape(response.content.decode())


def admin_messages(user) -> list[str]:
    return list(
        LogEntry.objects.filter(user=user, environment=LogEnvironment.ADMIN)
        .order_by("id")
        .values_list("message", flat=True)
    )


@pytest.fixture
def operator_client(client, staff_user):
    client.force_login(staff_user)
    return client


def package_form(package: Package, **changes: object) -> dict[str, object]:
    """The change form's POST data for ``package`` with some fields changed."""
    values = {
        "tracked": package.tracked,
        "skip_resolution": package.skip_resolution,
        "manual_priority": package.manual_priority,
        "static_priority": package.static_priority,
        "arch_override": package.arch_override or "",
        **changes,
    }
    return {k: ("on" if v is True else v) for k, v in values.items() if v is not False}


def change_package(client, package: Package, **changes: object):
    return client.post(
        reverse("admin:packages_package_change", args=[package.pk]),
        package_form(package, **changes),
        follow=True,
    )


def test_tracking_a_package_in_the_change_form_is_audited(operator_client, staff_user, collection):
    package = make_package("foo", collection)
    response = change_package(operator_client, package, tracked=True)
    assert response.status_code == 200
    assert reload(package).tracked
    entry = LogEntry.objects.get()
    assert entry.message == "Package foo (collection f42): tracked set from False to True"
    assert (entry.user, entry.environment, entry.base) == (staff_user, "admin", package.base)


def test_every_edited_scheduler_setting_gets_its_own_audit_entry(
    operator_client, staff_user, collection
):
    package = make_package("foo", collection, tracked=True)
    change_package(
        operator_client,
        package,
        manual_priority=30,
        static_priority=-5,
        arch_override="x86_64, ^i386",
    )
    package = reload(package)
    assert (package.manual_priority, package.static_priority) == (30, -5)
    assert package.arch_override == "x86_64 ^i386"
    assert admin_messages(staff_user) == [
        "Package foo (collection f42): manual_priority set from 0 to 30",
        "Package foo (collection f42): static_priority set from 0 to -5",
        "Package foo (collection f42): arch_override set from None to x86_64 ^i386",
    ]


def test_saving_an_unchanged_package_writes_no_audit_entry(operator_client, collection):
    package = make_package("foo", collection, tracked=True, manual_priority=5)
    change_package(operator_client, package)
    assert not LogEntry.objects.exists()


def test_an_unknown_arch_in_the_override_is_an_error_and_changes_nothing(
    operator_client, collection
):
    package = make_package("foo", collection)
    response = change_package(operator_client, package, tracked=True, arch_override="sparc")
    assert response.status_code == 200
    assert "Unrecognized arch in arch_override: sparc" in text(response)
    package = reload(package)
    assert package.arch_override is None
    assert not package.tracked
    assert not LogEntry.objects.exists()


def test_a_non_integer_priority_in_the_change_form_is_an_error(operator_client, collection):
    package = make_package("foo", collection)
    response = change_package(operator_client, package, manual_priority="lots")
    assert response.status_code == 200
    assert "Enter a whole number." in text(response)
    assert reload(package).manual_priority == 0
    assert not LogEntry.objects.exists()


def test_skip_resolution_forgets_the_resolution_result_and_pending_changes(
    operator_client, collection
):
    package = make_package("foo", collection, tracked=True, resolved=False)
    UnappliedChange.objects.create(package=package, curr_dep=make_dependency("bar"))
    change_package(operator_client, package, skip_resolution=True)
    package = reload(package)
    assert package.skip_resolution
    assert package.resolved is None
    assert not UnappliedChange.objects.exists()


def test_trigger_maintained_and_backend_fields_cannot_be_posted(operator_client, collection):
    package = make_package("foo", collection, tracked=True)
    build = make_build(package, BuildState.COMPLETE)
    other = make_build(make_package("bar", collection), BuildState.FAILED)
    change_package(
        operator_client,
        package,
        last_build=other.pk,
        last_complete_build=other.pk,
        last_complete_build_state=BuildState.FAILED,
        blocked="on",
        dependency_priority=999,
        name="evil",
    )
    package = reload(package)
    assert package.last_build_id == package.last_complete_build_id == build.pk
    assert package.last_complete_build_state == BuildState.COMPLETE
    assert not package.blocked
    assert package.dependency_priority == 0
    assert package.name == "foo"


def test_the_package_admin_offers_no_add_and_no_delete(operator_client, collection):
    package = make_package("foo", collection)
    assert operator_client.get(reverse("admin:packages_package_add")).status_code == 403
    delete = reverse("admin:packages_package_delete", args=[package.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert Package.objects.filter(pk=package.pk).exists()


def run_action(client, action: str, packages: list[Package], **extra: object):
    data = {"action": action, "_selected_action": [p.pk for p in packages], **extra}
    return client.post(PACKAGES, data, follow=True)


@pytest.mark.parametrize("action", ["track", "untrack", "clear_arch_override"])
def test_tracking_actions_ask_first_and_change_nothing_until_confirmed(
    operator_client, collection, action
):
    foo = make_package("foo", collection, tracked=True, arch_override="x86_64")
    response = run_action(operator_client, action, [foo])
    page = text(response)
    assert "1 selected package" in page and "foo" in page and 'name="apply"' in page
    assert reload(foo).tracked and reload(foo).arch_override == "x86_64"
    assert not LogEntry.objects.exists()


def test_track_action_tracks_the_selected_packages_with_audit(
    operator_client, staff_user, collection
):
    foo, bar = make_package("foo", collection), make_package("bar", collection, tracked=True)
    baz = make_package("baz", collection)
    response = run_action(operator_client, "track", [foo, bar], apply="yes")
    assert response.status_code == 200
    assert "Set tracked to True on 1 package(s)." in text(response)
    assert reload(foo).tracked and reload(bar).tracked
    assert not reload(baz).tracked
    assert admin_messages(staff_user) == [
        "Package foo (collection f42): tracked set from False to True"
    ]


def test_untrack_action_untracks_with_audit(operator_client, staff_user, collection):
    foo = make_package("foo", collection, tracked=True)
    run_action(operator_client, "untrack", [foo], apply="yes")
    assert not reload(foo).tracked
    assert admin_messages(staff_user) == [
        "Package foo (collection f42): tracked set from True to False"
    ]


def test_clear_arch_override_action_clears_it_with_audit(operator_client, staff_user, collection):
    foo = make_package("foo", collection, arch_override="x86_64")
    run_action(operator_client, "clear_arch_override", [foo], apply="yes")
    assert reload(foo).arch_override is None
    assert admin_messages(staff_user) == [
        "Package foo (collection f42): arch_override set from x86_64 to None"
    ]


@pytest.mark.parametrize(
    ("action", "attr"),
    [("set_manual_priority", "manual_priority"), ("set_static_priority", "static_priority")],
)
def test_priority_actions_ask_for_the_value_then_set_it_with_audit(
    operator_client, staff_user, collection, action, attr
):
    foo, bar = make_package("foo", collection), make_package("bar", collection)
    response = run_action(operator_client, action, [foo, bar])
    assert response.status_code == 200
    assert response.templates[0].name == "admin/packages/package/set_priority.html"
    assert "2 selected packages" in text(response)
    assert getattr(reload(foo), attr) == 0

    response = run_action(operator_client, action, [foo, bar], apply="1", priority="250")
    assert f"Set {attr} to 250 on 2 package(s)." in text(response)
    assert getattr(reload(foo), attr) == getattr(reload(bar), attr) == 250
    assert admin_messages(staff_user) == [
        f"Package bar (collection f42): {attr} set from 0 to 250",
        f"Package foo (collection f42): {attr} set from 0 to 250",
    ]


@pytest.mark.parametrize("value", ["high", "", "1.5", str(2**31)])
def test_priority_action_rejects_a_bad_value_and_changes_nothing(
    operator_client, collection, value
):
    foo = make_package("foo", collection)
    response = run_action(operator_client, "set_manual_priority", [foo], apply="1", priority=value)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert reload(foo).manual_priority == 0
    assert not LogEntry.objects.exists()


def test_priority_action_applies_to_every_matching_package_when_selected_across(
    operator_client, collection
):
    packages = [make_package(f"pkg{i}", collection) for i in range(3)]
    run_action(
        operator_client,
        "set_manual_priority",
        packages[:1],
        apply="1",
        priority="7",
        select_across="1",
    )
    assert {reload(p).manual_priority for p in packages} == {7}


def test_adding_a_collection_is_refused_with_a_pointer_to_the_command(operator_client):
    response = operator_client.get(reverse("admin:packages_collection_add"), follow=True)
    assert response.redirect_chain[-1][0] == COLLECTIONS
    assert "manage.py create-collection" in text(response)
    response = operator_client.post(
        reverse("admin:packages_collection_add"),
        {"name": "f43", "display_name": "x", "target": "f43"},
    )
    assert response.status_code == 302
    assert not Collection.objects.filter(name="f43").exists()


def collection_form(collection: Collection, **changes: object) -> dict[str, object]:
    values = {
        "display_name": collection.display_name,
        "order": collection.order,
        "priority_coefficient": collection.priority_coefficient,
        "build_group": collection.build_group,
        "poll_untracked": collection.poll_untracked,
        "bugzilla_product": collection.bugzilla_product or "",
        "bugzilla_version": collection.bugzilla_version or "",
        **changes,
    }
    return {k: ("on" if v is True else v) for k, v in values.items() if v is not False}


def test_editing_a_collection_saves_local_settings_and_audits_once(
    operator_client, staff_user, collection
):
    response = operator_client.post(
        reverse("admin:packages_collection_change", args=[collection.pk]),
        collection_form(
            collection,
            display_name="Fedora 42 (Adams)",
            priority_coefficient="0.5",
            bugzilla_product="Fedora",
            bugzilla_version="42",
            poll_untracked=False,
            target="evil-target",
            build_tag="evil",
            latest_repo_id="77",
        ),
    )
    assert response.status_code == 302
    collection = reload(collection)
    assert collection.display_name == "Fedora 42 (Adams)"
    assert collection.priority_coefficient == 0.5
    assert (collection.bugzilla_product, collection.bugzilla_version) == ("Fedora", "42")
    assert not collection.poll_untracked
    assert (collection.target, collection.build_tag, collection.latest_repo_id) == (
        "f42",
        "f42-build",
        None,
    )
    assert admin_messages(staff_user) == ["Collection f42 modified"]


def test_an_empty_display_name_is_refused(operator_client, collection):
    response = operator_client.post(
        reverse("admin:packages_collection_change", args=[collection.pk]),
        collection_form(collection, display_name="   "),
    )
    assert response.status_code == 200
    assert reload(collection).display_name == "Fedora f42"
    assert not LogEntry.objects.exists()


def test_deleting_a_collection_asks_with_a_summary_then_deletes_with_audit(
    operator_client, staff_user, collection
):
    package = make_package("foo", collection, tracked=True)
    make_build(package)
    make_collection("f41")
    delete = reverse("admin:packages_collection_delete", args=[collection.pk])
    response = operator_client.get(delete)
    assert response.status_code == 200
    assert "Collection f42 with all its packages, builds and history" in text(response)
    response = operator_client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert list(Collection.objects.values_list("name", flat=True)) == ["f41"]
    assert not Package.objects.exists()
    assert admin_messages(staff_user) == ["Collection f42 deleted"]


def test_bulk_deleting_collections_goes_through_the_service(operator_client, staff_user):
    first, second = make_collection("f40"), make_collection("f41")
    response = operator_client.post(
        COLLECTIONS,
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Collection.objects.exists()
    assert sorted(admin_messages(staff_user)) == [
        "Collection f40 deleted",
        "Collection f41 deleted",
    ]
