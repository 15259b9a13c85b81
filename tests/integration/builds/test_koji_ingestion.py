"""Package lists and real builds from a simulated Koji (kojisim, real client)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from builds.models import Build, KojiTask
from builds.services.package_list import refresh_packages
from builds.services.real_builds import refresh_latest_builds
from packages.models import Package
from packages.states import BuildState
from resolution.models import UnappliedChange
from tests.factories import make_collection, make_dependency, reload
from tests.integration.builds.conftest import sessions

pytestmark = pytest.mark.django_db


def test_refresh_packages_adds_untracked_packages_with_koji_blocked_flags(f42):
    changes = refresh_packages(collection=f42, sessions=sessions())
    packages = {p.name: p for p in Package.objects.filter(collection=f42)}
    assert {"foo", "bar", "glibc", "retired"} <= set(packages)
    assert packages["retired"].blocked and not packages["foo"].blocked
    assert not any(p.tracked for p in packages.values())
    assert sorted(changes.added) == sorted(packages)
    again = refresh_packages(collection=f42, sessions=sessions())
    assert (again.added, again.blocked, again.unblocked) == ([], [], [])


def test_refresh_packages_follows_blocking_and_unblocking_in_koji(f42, koji_hub):
    refresh_packages(collection=f42, sessions=sessions())
    koji_hub.sim("blockPackage", "f42", "foo")
    koji_hub.sim("unblockPackage", "f42", "retired")
    changes = refresh_packages(collection=f42, sessions=sessions())
    assert (changes.blocked, changes.unblocked) == (["foo"], ["retired"])
    assert Package.objects.get(collection=f42, name="foo").blocked
    assert not Package.objects.get(collection=f42, name="retired").blocked


def test_refresh_packages_command_reports_per_collection(f42, capsys):
    call_command("refresh-packages")
    assert "f42:" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Collection not found: nope"):
        call_command("refresh-packages", "nope")


def track(collection, *names):
    Package.objects.filter(collection=collection, name__in=names).update(tracked=True)


def test_refresh_builds_registers_real_builds_with_tasks_and_repo(f42):
    refresh_packages(collection=f42, sessions=sessions())
    f42.poll_untracked = False
    f42.save()
    track(f42, "foo", "bar")
    changes = refresh_latest_builds(collection=f42, sessions=sessions())
    builds = {b.package.name: b for b in Build.objects.select_related("package")}
    assert set(builds) == {"foo", "bar"} and changes.registered == 2
    foo = builds["foo"]
    assert foo.real and foo.state == BuildState.COMPLETE and foo.repo_id is not None
    assert (foo.version, foo.release) == ("1.0", "1.fc42")
    assert KojiTask.objects.filter(build=foo).count() == 2
    package = reload(foo.package)
    assert package.last_build_id == package.last_complete_build_id == foo.id
    assert refresh_latest_builds(collection=f42, sessions=sessions()).registered == 0
    assert Build.objects.count() == 2


def test_refresh_builds_polls_untracked_packages_when_the_collection_asks(f42):
    refresh_packages(collection=f42, sessions=sessions())
    refresh_latest_builds(collection=f42, sessions=sessions())
    assert Build.objects.filter(package__name="glibc").exists()


def test_registering_a_real_build_clears_priority_data(f42):
    refresh_packages(collection=f42, sessions=sessions())
    track(f42, "foo")
    package = Package.objects.get(collection=f42, name="foo")
    Package.objects.filter(pk=package.pk).update(
        manual_priority=30, dependency_priority=40, build_priority=200
    )
    UnappliedChange.objects.create(
        package=package, prev_dep=None, curr_dep=make_dependency("bar"), distance=1
    )
    refresh_latest_builds(collection=f42, sessions=sessions())
    package = reload(package)
    assert (package.manual_priority, package.dependency_priority, package.build_priority) == (
        0,
        0,
        0,
    )
    assert not UnappliedChange.objects.exists()


def test_a_newer_build_is_registered_and_untagging_it_moves_back(f42, koji_hub):
    refresh_packages(collection=f42, sessions=sessions())
    track(f42, "bar")
    refresh_latest_builds(collection=f42, sessions=sessions())
    koji_hub.sim("newBuild", "bar", {"version": "3.0", "release": "1.fc42"})
    assert refresh_latest_builds(collection=f42, sessions=sessions()).registered >= 1
    bar = Package.objects.get(collection=f42, name="bar")
    assert bar.last_build.version == "3.0"
    koji_hub.sim("untagBuild", "f42", "bar-3.0-1.fc42")
    changes = refresh_latest_builds(collection=f42, sessions=sessions())
    assert changes.untagged == 1
    bar = reload(bar)
    assert bar.last_build.version == "2.0"
    assert Build.objects.get(package=bar, version="3.0").untagged
    koji_hub.sim("tagBuild", "f42", "bar-3.0-1.fc42")
    assert refresh_latest_builds(collection=f42, sessions=sessions()).retagged == 1
    assert reload(bar).last_build.version == "3.0"


def test_refresh_builds_command_runs_for_every_collection(f42, capsys):
    call_command("refresh-packages", "f42")
    call_command("refresh-builds")
    assert "registered" in capsys.readouterr().out


# one bad collection never stops the others


@pytest.mark.parametrize("command", ["refresh-packages", "refresh-builds"])
def test_a_collection_failing_in_koji_is_reported_and_the_others_still_run(f42, koji_hub, command):
    make_collection("broken", order=200, dest_tag="f42")  # done first (higher order)
    refresh_packages(collection=f42, sessions=sessions())
    track(f42, "foo", "bar")
    method = "listPackages" if command == "refresh-packages" else "listTagged"
    koji_hub.sim("addFault", {"kind": "fault", "method": method, "code": 1000, "count": 1})
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"^1 of 2 collections failed: broken$"):
        call_command(command, stdout=out, stderr=err)
    [line] = err.getvalue().splitlines()
    assert line.startswith("broken: failed: Koji ") and line.endswith(
        ": GenericError: Simulated fault"
    )
    assert out.getvalue().startswith("f42: ")
    if command == "refresh-builds":
        assert Build.objects.filter(package__collection=f42).exists()
