"""Repos that cannot be trusted and checks that fail: recorded and reported, never a
verdict on the packages (suspicious repos, repo ids going backwards, failed checks)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from koschei_site.errors import ServiceError
from packages.models import Collection
from resolution import tasks
from resolution.models import ResolutionChange, ResolutionRun, RunState
from resolution.services.repo_check import check_collection, resolve_repo
from tests.integration.resolution.conftest import (
    collection,
    new_repo,
    package,
    sessions,
    set_config,
)

pytestmark = pytest.mark.django_db(transaction=True)

#: the source packages of the small scenario's build group (with glibc, which they need)
BUILD_GROUP_SOURCES = {
    "bash",
    "glibc",
    "coreutils",
    "gcc",
    "binutils",
    "make",
    "rpm-build",
    "redhat-rpm-config",
}


def untag(koji_hub, keep=(), drop=None) -> None:
    """Untag the builds of f42 (those of ``drop``, or all but those of ``keep``)."""
    for build in koji_hub.session().listTagged("f42"):
        name = build["package_name"]
        if (name in drop) if drop is not None else (name not in keep):
            koji_hub.sim("untagBuild", "f42", build["nvr"])


def resolved_once(koji_hub) -> tuple[int, int]:
    """The first repo resolved; (its id, the ResolutionChange rows it left)."""
    assert tasks.check_new_repos() == 1
    return collection().latest_repo_id, ResolutionChange.objects.count()


def assert_kept(good: int, changes: int, bad: int, error: str) -> None:
    """The collection stays on ``good`` with ``error`` recorded; no package changed."""
    coll = collection()
    assert (coll.latest_repo_id, coll.latest_repo_resolved) == (good, True)
    assert coll.repo_error == error
    assert ResolutionChange.objects.count() == changes
    assert package("foo").resolved is True
    assert ResolutionRun.objects.get(repo_id=bad).state == RunState.FAILED


# -- suspicious repos ------------------------------------------------------------------------


def test_an_empty_repo_is_a_repo_error_not_every_package_unresolved(f42, koji_hub):
    good, changes = resolved_once(koji_hub)
    untag(koji_hub)
    empty = new_repo(koji_hub)
    assert tasks.check_new_repos() == 0
    assert_kept(good, changes, empty, f"Repo {empty} of f42-build is empty (0 packages)")


def test_a_repo_that_lost_its_build_group_is_a_repo_error(f42, koji_hub):
    good, changes = resolved_once(koji_hub)
    untag(koji_hub, drop=BUILD_GROUP_SOURCES - {"glibc", "binutils"})
    bad = new_repo(koji_hub)
    assert tasks.check_new_repos() == 0
    assert_kept(
        good,
        changes,
        bad,
        f"Repo {bad} of f42-build has none of the build group's packages",
    )


def test_a_repo_that_lost_more_than_the_configured_share_of_packages_is_a_repo_error(
    f42, koji_hub, settings
):
    set_config(settings, "dependency", suspicious_repo_shrink=0.3)
    good, changes = resolved_once(koji_hub)
    before = ResolutionRun.objects.get(repo_id=good).repo_packages
    untag(koji_hub, keep=BUILD_GROUP_SOURCES)
    bad = new_repo(koji_hub)
    assert tasks.check_new_repos() == 0
    lost = collection().repo_error
    assert lost.startswith(f"Repo {bad} of f42-build lost ") and lost.endswith(
        f" of the {before} packages of repo {good} (more than 30%)"
    )
    assert_kept(good, changes, bad, lost)
    # the operator allows a larger shrink: the next repo with the same content is taken
    set_config(settings, "dependency", suspicious_repo_shrink=0.6)
    taken = new_repo(koji_hub)
    assert tasks.check_new_repos() == 1
    coll = collection()
    assert (coll.latest_repo_id, coll.repo_error) == (taken, "")
    assert package("foo").resolved is False  # bar-devel went with the others


def test_resolve_repo_refuses_a_suspicious_repo(f42, koji_hub):
    resolved_once(koji_hub)
    untag(koji_hub)
    empty = new_repo(koji_hub)
    with pytest.raises(CommandError, match=rf"^f42: repo {empty}: Repo {empty} .* is empty"):
        call_command("resolve-repo", "f42", stdout=io.StringIO())
    assert package("foo").resolved is True


# -- repo ids going backwards ------------------------------------------------------------------


def test_a_koji_repo_id_going_backwards_is_a_repo_error(f42, koji_hub):
    good, changes = resolved_once(koji_hub)
    ahead = good + 100  # as if the collection had resolved a repo Koji no longer reports
    Collection.objects.filter(pk=f42.pk).update(latest_repo_id=F("latest_repo_id") + 100)
    error = (
        f"Koji's latest repo of f42-build is {good}, older than the collection's latest "
        f"repo {ahead}"
    )
    check = check_collection(collection=collection(), sessions=sessions(), enqueue=False)
    assert str(check) == f"f42: repo {good}: {error}"
    assert collection().repo_error == error
    assert ResolutionChange.objects.count() == changes
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 of 1 collections failed the repo check$"):
        call_command("check-repos", stdout=out)
    assert out.getvalue() == f"f42: repo {good}: {error}\n"


# -- check-repos and the periodic task ---------------------------------------------------------


def test_check_repos_exits_non_zero_when_a_repo_is_unusable(f42, koji_hub):
    resolved_once(koji_hub)
    bad = new_repo(koji_hub)
    koji_hub.sim("corruptRepodata", bad, "x86_64", "primary")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 of 1 collections failed the repo check$"):
        call_command("check-repos", stdout=out)
    line = out.getvalue()
    assert line.startswith(f"f42: repo {bad}: ") and line.count("\n") == 1
    # the same broken repo is reported again (without a new download) until a good one
    with pytest.raises(CommandError):
        call_command("check-repos", stdout=io.StringIO())
    good = new_repo(koji_hub)
    out = io.StringIO()
    call_command("check-repos", stdout=out)
    assert out.getvalue().startswith(f"f42: repo {good}, base buildroot resolved; ")


def test_a_failing_collection_is_reported_in_one_line_and_the_others_are_checked(
    f42, koji_hub, caplog
):
    call_command("create-collection", "f42b", "-d", "F", "-t", "f42", "--dest-tag", "f42")
    Collection.objects.filter(pk=f42.pk).update(build_tag="no-such-tag")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 of 2 collections failed the repo check$"):
        call_command("check-repos", stdout=out)
    failed, checked = out.getvalue().splitlines()
    assert failed.startswith("f42: repo check failed: ") and "no-such-tag" in failed
    assert checked.startswith("f42b: repo ") and collection("f42b").latest_repo_id
    # the periodic task goes on the same way and says so in one log line
    caplog.clear()
    tasks.check_new_repos()
    [record] = [r for r in caplog.records if r.getMessage().startswith("f42: repo check failed")]
    assert "\n" not in record.getMessage() and record.exc_info is None
    with pytest.raises(CommandError, match=r"^f42: repo check failed: "):
        call_command("check-repos", "f42", stdout=io.StringIO())
    out = io.StringIO()
    call_command("check-repos", "f42b", stdout=out)
    assert out.getvalue() == "f42b: nothing to do\n"


def test_a_resolve_repo_that_lost_the_race_to_a_concurrent_run_says_so(f42, koji_hub):
    def concurrent_check(total: int) -> None:
        # another check-repos or resolve-repo takes the same repo before the chunks run
        check_collection(collection=collection(), sessions=sessions(), force=True, enqueue=False)

    with pytest.raises(ServiceError) as info:
        resolve_repo(collection=f42, sessions=sessions(), announce_total=concurrent_check)
    lost, newer = ResolutionRun.objects.order_by("id")
    assert lost.state == RunState.SUPERSEDED and newer.state == RunState.RUNNING
    assert str(info.value) == (
        f"f42: run {lost.pk} of repo {lost.repo_id} was superseded by run {newer.pk} of "
        f"repo {newer.repo_id} (a concurrent check-repos or resolve-repo); "
        f"resolved here: packages=0"
    )
