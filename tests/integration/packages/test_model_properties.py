"""Derived values of packages, collections and builds (spec 3.1, 5.1, 5.3)."""

from __future__ import annotations

import pytest

from builds.dependency_keys import encode_keys
from builds.models import Build
from packages.models import Collection, Package
from packages.states import BuildState, SkipReason
from tests.factories import make_build, make_collection, make_package, reload

pytestmark = pytest.mark.django_db

# (fields, state_string): spec 3.1's rules, the first match wins.
STATE_RULES = [
    ({"blocked": True, "tracked": False, "resolved": False}, "blocked"),
    ({"blocked": True, "last_complete_build_state": 3}, "blocked"),
    ({"tracked": False, "resolved": False}, "untracked"),
    ({"tracked": False, "last_complete_build_state": 3}, "untracked"),
    ({"resolved": False, "last_complete_build_state": 3}, "unresolved"),
    ({"resolved": False, "last_complete_build_state": 5}, "unresolved"),
    ({"resolved": False}, "unresolved"),
    ({"resolved": True, "last_complete_build_state": 3}, "ok"),
    ({"resolved": None, "last_complete_build_state": 3}, "ok"),
    ({"resolved": True, "last_complete_build_state": 5}, "failing"),
    ({"resolved": None, "last_complete_build_state": 5}, "failing"),
    ({"resolved": None}, "unknown"),
    ({"resolved": True}, "unknown"),
]


def package_with(**fields):
    """An unsaved tracked package; the state rules read only its own fields."""
    collection = Collection(name="f42", display_name="Fedora 42", latest_repo_resolved=True)
    return Package(name="foo", collection=collection, **{"tracked": True, **fields})


@pytest.mark.parametrize(("fields", "state"), STATE_RULES)
def test_state_string_follows_the_first_matching_rule(fields, state):
    assert package_with(**fields).state_string == state


@pytest.mark.parametrize(("fields", "state"), STATE_RULES)
def test_msg_state_string_keeps_ok_failing_unresolved_and_ignores_the_rest(fields, state):
    expected = state if state in {"ok", "failing", "unresolved"} else "ignored"
    assert package_with(**fields).msg_state_string == expected


def test_state_string_follows_the_builds_the_triggers_record(collection):
    package = make_package("foo", collection, tracked=True, resolved=True)
    assert package.state_string == "unknown"
    make_build(package, BuildState.COMPLETE, hours_ago=20)
    assert reload(package).state_string == "ok"
    make_build(package, BuildState.FAILED, hours_ago=10)
    assert reload(package).state_string == "failing"
    make_build(package, BuildState.RUNNING, hours_ago=1)
    assert reload(package).state_string == "failing"


@pytest.mark.parametrize(
    ("resolved", "state"), [(True, "ok"), (False, "unresolved"), (None, "unknown")]
)
def test_collection_state_string_follows_the_base_buildroot(resolved, state):
    assert Collection(latest_repo_resolved=resolved).state_string == state


def test_has_running_build_compares_the_two_pointers(collection):
    package = make_package("foo", collection, tracked=True)
    assert not package.has_running_build
    make_build(package, BuildState.COMPLETE, hours_ago=2)
    assert not reload(package).has_running_build
    running = make_build(package, BuildState.RUNNING, hours_ago=1)
    assert reload(package).has_running_build
    Build.objects.filter(pk=running.pk).update(
        state=BuildState.FAILED, version="1", release="2", repo_id=3
    )
    assert not reload(package).has_running_build


def test_only_a_running_build_counts_as_running(collection):
    package = make_package("foo", collection, tracked=True)
    make_build(package, BuildState.RUNNING)
    assert reload(package).has_running_build


def test_srpm_nvra_comes_from_the_last_complete_build_without_epoch(collection):
    package = make_package("foo", collection, tracked=True)
    assert package.srpm_nvra is None
    make_build(package, BuildState.COMPLETE, hours_ago=2, epoch=3, version="2.0", release="4")
    make_build(package, BuildState.RUNNING, hours_ago=1)
    assert reload(package).srpm_nvra == {
        "name": "foo",
        "version": "2.0",
        "release": "4",
        "arch": "src",
    }


# skip_reasons


def skip_reasons(collection_resolved=True, **fields):
    collection = Collection(
        name="f42",
        display_name="Fedora 42",
        latest_repo_id=None if collection_resolved is None else 1,
        latest_repo_resolved=collection_resolved,
    )
    values = {"tracked": True, "resolved": True, "last_build_id": 1, "last_complete_build_id": 1}
    return Package(name="foo", collection=collection, **{**values, **fields}).skip_reasons()


def test_a_schedulable_package_has_no_skip_reason():
    assert skip_reasons() == []


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"scheduler_skip_reason": SkipReason.NO_SRPM}, "No suitable SRPM was found"),
        ({"scheduler_skip_reason": SkipReason.NO_ARCH}, "No build architecture allowed for SRPM"),
        ({"tracked": False}, "Package is not tracked"),
        ({"blocked": True}, "Package is blocked in koji"),
        ({"last_build_id": 2}, "Package has a running build"),
        ({"resolved": False}, "Package dependencies are not resolvable"),
        ({"resolved": None}, "Package dependencies were not resolved yet"),
    ],
)
def test_each_skip_reason_is_given_alone(fields, reason):
    assert skip_reasons(**fields) == [reason]


def test_skipping_resolution_is_not_a_skip_reason():
    assert skip_reasons(resolved=None, skip_resolution=True) == []


def test_a_package_without_builds_says_so_and_nothing_about_running_builds():
    assert skip_reasons(last_build_id=None, last_complete_build_id=None) == [
        "Package has no known build"
    ]


@pytest.mark.parametrize(
    ("resolved", "reason"),
    [
        (False, "Base buildroot for Fedora 42 is not resolvable"),
        (None, "Base buildroot for Fedora 42 was not resolved yet"),
    ],
)
def test_an_unresolved_base_buildroot_is_a_skip_reason(resolved, reason):
    assert skip_reasons(collection_resolved=resolved) == [reason]


def test_every_applicable_skip_reason_is_listed_in_order():
    assert skip_reasons(
        collection_resolved=False,
        scheduler_skip_reason=SkipReason.NO_ARCH,
        tracked=False,
        blocked=True,
        resolved=None,
        last_build_id=None,
        last_complete_build_id=None,
    ) == [
        "No build architecture allowed for SRPM",
        "Package is not tracked",
        "Package is blocked in koji",
        "Package dependencies were not resolved yet",
        "Package has no known build",
        "Base buildroot for Fedora 42 is not resolvable",
    ]


def test_skip_reasons_agree_with_the_sql_priority():
    collection = make_collection("f42", latest_repo_id=1, latest_repo_resolved=True)
    ok = make_package("ok", collection, tracked=True, resolved=True)
    make_build(ok, BuildState.COMPLETE, hours_ago=10)
    running = make_package("running", collection, tracked=True, resolved=True)
    make_build(running, BuildState.COMPLETE, hours_ago=10)
    make_build(running, BuildState.RUNNING, hours_ago=1)
    make_package("unbuilt", collection, tracked=True, resolved=True)
    for package in Package.objects.with_priority().select_related("collection"):
        assert (package.current_priority is None) == bool(package.skip_reasons()), package.name


# Build.dependency_ids


def test_a_build_decodes_its_stored_dependency_ids(collection):
    build = make_build(make_package("foo", collection))
    Build.objects.filter(pk=build.pk).update(dependency_keys=encode_keys([40, 3, 17, 3]))
    assert reload(build).dependency_ids == [3, 17, 40]


def test_a_build_without_stored_dependencies_has_no_ids(collection):
    build = make_build(make_package("foo", collection))
    assert reload(build).dependency_ids == []
