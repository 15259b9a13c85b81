"""Services refuse input the database could not hold or a page could not show, in one line,
before writing anything (the admin, the commands and the web forms share the checks)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from koschei_site.errors import ServiceError
from packages.models import Collection, GroupACL, PackageGroup
from packages.services import create_group, edit_collection_settings, set_group_maintainers
from packages.states import LogEnvironment
from tests.factories import make_collection, make_package
from tests.integration.admin_commands import run, snapshot

pytestmark = pytest.mark.django_db

TOO_BIG = str(2**31)
TOO_LONG = "x" * 256


def refused(*args: str, match: str) -> None:
    """The command fails with exactly one line matching ``match`` and changes nothing."""
    before = snapshot()
    with pytest.raises(CommandError, match=match) as error:
        run(*args)
    assert len(str(error.value).splitlines()) == 1
    assert snapshot() == before


@pytest.fixture
def foo(collection):
    return make_package("foo", collection, tracked=True)


@pytest.mark.parametrize("value", [TOO_BIG, str(-(2**31) - 1)])
@pytest.mark.parametrize("static", [[], ["--static"]])
def test_a_priority_outside_postgresql_integers_is_refused(foo, sudo_user, value, static):
    refused(
        "set-priority", "foo", value, "-c", "f42", *static,
        match=r"^(manual|static)_priority must be between -2147483648 and 2147483647$",
    )  # fmt: skip


def test_the_largest_integer_priority_is_taken(foo, sudo_user):
    run("set-priority", "foo", str(2**31 - 1), "-c", "f42")
    foo.refresh_from_db()
    assert foo.manual_priority == 2**31 - 1


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_priority_coefficient_that_is_not_finite_is_refused(collection, value):
    with pytest.raises(ServiceError, match=r"^priority_coefficient must be a finite number$"):
        edit_collection_settings(
            collection=collection,
            changes={"priority_coefficient": float(value)},
            user=None,
            environment=LogEnvironment.BACKEND,
        )
    assert Collection.objects.get(pk=collection.pk).priority_coefficient == 1.0


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"order": 2**31}, "^order must be between"),
        ({"display_name": TOO_LONG}, "^display_name is longer than 255 characters$"),
        ({"display_name": "two\nlines"}, "^display_name must be one line"),
        ({"build_group": "<b>build</b>"}, "^Invalid build_group"),
        ({"bugzilla_version": TOO_LONG}, "^bugzilla_version is longer than 255"),
        ({"poll_untracked": "yes"}, "^poll_untracked must be true or false$"),
    ],
)
def test_collection_settings_out_of_the_columns_are_refused(collection, changes, reason):
    with pytest.raises(ServiceError, match=reason):
        edit_collection_settings(
            collection=collection, changes=changes, user=None, environment=LogEnvironment.BACKEND
        )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a/b", r"^Invalid collection group name: 'a/b'"),
        ("line\nbreak", r"^Invalid collection group name"),
        ("<script>", r"^Invalid collection group name"),
        (TOO_LONG, r"^collection group name is longer than 255 characters$"),
    ],
)
def test_collection_group_names_are_machine_names(collection, sudo_user, name, reason):
    refused("create-collection-group", name, "-d", "Fedora", "-c", "f42", match=reason)


def test_a_collection_group_display_name_is_one_line(collection, sudo_user):
    refused(
        "create-collection-group", "fedora", "-d", "Fe\ndora", "-c", "f42",
        match="^display name must be one line without control characters$",
    )  # fmt: skip


@pytest.mark.parametrize("name", [TOO_LONG, f"ns/{TOO_LONG}", f"{TOO_LONG}/g", "a b", "<i>"])
def test_group_names_must_fit_and_be_plain(sudo_user, name):
    refused("create-group", name, match=r"^Invalid group name: ")


@pytest.mark.parametrize("username", ["bad user", "a/b", "x" * 151, "<b>"])
def test_group_maintainers_must_be_valid_django_user_names(sudo_user, username):
    users = get_user_model().objects.count()
    with pytest.raises(ServiceError, match=r"^(Invalid user name|User name is longer)"):
        create_group(
            full_name="g", user=None, environment=LogEnvironment.BACKEND, maintainers=[username]
        )
    assert not PackageGroup.objects.exists()
    assert get_user_model().objects.count() == users


def test_a_valid_maintainer_is_added(staff_user):
    group = PackageGroup.objects.create(name="g")
    set_group_maintainers(
        group=group, usernames=["jane.doe@example"], user=staff_user, environment="admin"
    )
    assert GroupACL.objects.filter(group=group, user__username="jane.doe@example").exists()


def test_a_collection_name_is_checked_before_koji_is_asked(sudo_user):
    refused(
        "create-collection", "f/43", "-d", "F43", "-t", "no target",
        match=r"^Invalid target: 'no target'",
    )  # fmt: skip


@pytest.mark.parametrize("name", ["a/b", "f43\n", "<b>f43</b>", TOO_LONG])
def test_collection_names_are_machine_names(koji_hub, sudo_user, name):
    refused("create-collection", name, "-d", "F43", "-t", "f42", match=r"^(Invalid )?collection")
    make_collection("f42")
    refused("edit-collection", "f42", "--new-name", name, match=r"^(Invalid )?collection")


def test_an_operator_name_django_refuses_is_one_line(collection, monkeypatch):
    monkeypatch.setenv("SUDO_USER", "bad user!")
    refused("set-notice", "hello", match=r"^Cannot audit as the operator: Invalid user name")
