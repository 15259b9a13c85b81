"""A Koji fault while BuildRequires are read fails the run; it never skips the package."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from resolution.models import PackageResolution, ResolutionChange, SrpmRequires

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_fault_on_get_rpm_deps_fails_resolve_repo_and_a_rerun_resolves(f42, koji_hub):
    SrpmRequires.objects.all().delete()  # as when Koji failed while the builds were registered
    koji_hub.sim("addFault", {"kind": "fault", "method": "getRPMDeps", "count": -1})
    with pytest.raises(CommandError, match="getRPMDeps") as caught:
        call_command("resolve-repo", "f42", stdout=io.StringIO())
    assert "\n" not in str(caught.value)
    assert not SrpmRequires.objects.exists()
    assert not PackageResolution.objects.exists() and not ResolutionChange.objects.exists()
    koji_hub.sim("clearFaults")
    out = io.StringIO()
    call_command("resolve-repo", "f42", stdout=out)
    assert " skipped=0" in out.getvalue()
    assert ResolutionChange.objects.filter(package__name="foo", resolved=True).exists()
