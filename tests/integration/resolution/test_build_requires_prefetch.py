"""Registering real builds reads their SRPMs' BuildRequires from Koji at once, so that
resolving the packages later makes no Koji call; a Koji fault there only defers it."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command

from builds import koji
from builds.models import Build
from packages.models import Collection, Package
from packages.states import BuildState
from resolution.models import ResolutionChange, SrpmRequires
from tests.integration.resolution.conftest import sessions

pytestmark = pytest.mark.django_db(transaction=True)


def complete_builds(collection: Collection) -> list[Build]:
    return list(
        Build.objects.select_related("package")
        .filter(package__collection=collection, real=True, state=BuildState.COMPLETE)
        .order_by("pk")
    )


def test_registered_builds_have_their_build_requires_stored_as_koji_has_them(f42):
    builds = complete_builds(f42)
    assert builds
    stored = dict(SrpmRequires.objects.filter(koji_id="primary").values_list("nvra", "requires"))
    assert set(stored) == {koji.nvra_string(b.srpm_nvra) for b in builds}
    from_koji = koji.get_rpm_requires(sessions().reading(f42), [b.srpm_nvra for b in builds])
    assert [stored[koji.nvra_string(b.srpm_nvra)] for b in builds] == from_koji


def test_resolving_the_registered_packages_makes_no_build_requires_call(f42, koji_hub):
    koji_hub.sim("addFault", {"kind": "fault", "method": "getRPMDeps", "count": -1})
    out = io.StringIO()
    call_command("resolve-repo", "f42", stdout=out)
    assert " skipped=0" in out.getvalue()
    assert ResolutionChange.objects.filter(package__name="foo", resolved=True).exists()


def test_a_koji_fault_while_registering_is_logged_and_resolving_fetches_later(
    koji_hub, cachedir, sudo_user, caplog
):
    call_command("create-collection", "f42", "-d", "F", "-t", "f42", "--dest-tag", "f42")
    call_command("refresh-packages", "f42")
    collection = Collection.objects.get(name="f42")
    Package.objects.filter(collection=collection, blocked=False).update(tracked=True)
    koji_hub.sim("addFault", {"kind": "fault", "method": "getRPMDeps", "count": -1})
    with caplog.at_level(logging.WARNING, logger="resolution.receivers"):
        call_command("refresh-builds", "f42", stdout=io.StringIO())
    builds = complete_builds(collection)
    assert builds and not SrpmRequires.objects.exists()
    assert any(
        "BuildRequires of" in r.getMessage() and "getRPMDeps" in r.getMessage()
        for r in caplog.records
    )
    koji_hub.sim("clearFaults")
    call_command("resolve-repo", "f42", stdout=io.StringIO())
    assert set(SrpmRequires.objects.values_list("nvra", flat=True)) >= {
        koji.nvra_string(b.srpm_nvra) for b in builds
    }
