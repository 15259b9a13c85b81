"""Admin actions that queue the service's own work for a collection (run at once here:
the test settings run django-q2 tasks synchronously) against kojisim."""

from __future__ import annotations

import pytest

from packages.models import Collection, Package
from resolution.models import ResolutionRun
from tests.integration.builds import test_scheduler

pytestmark = pytest.mark.django_db
f42, sessions = test_scheduler.f42, test_scheduler.sessions


def test_refresh_from_koji_and_check_repos_now(client, staff_user, f42, koji_hub):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    Package.objects.filter(collection=f42).delete()
    changelist = "/admin/packages/collection/"
    response = client.post(
        changelist, {"action": "refresh_from_koji", "_selected_action": [f42.pk]}, follow=True
    )
    assert "Queued the Koji refresh of 1 collection(s)." in response.content.decode()
    assert Package.objects.filter(collection=f42).exists()  # the package list came back
    Collection.objects.filter(pk=f42.pk).update(latest_repo_id=None, latest_repo_resolved=None)
    response = client.post(
        changelist, {"action": "check_repos_now", "_selected_action": [f42.pk]}, follow=True
    )
    assert "Queued the repo check" in response.content.decode()
    assert ResolutionRun.objects.filter(collection=f42).exists()
