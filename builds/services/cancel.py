"""Operators ask for a running build to be canceled; polling does the actual Koji cancel."""

from __future__ import annotations

from django.db import transaction

from builds.models import Build
from koschei_site.errors import ServiceError
from packages.services import log_entry
from packages.services.audit import AnyUser
from packages.states import BuildState


@transaction.atomic
def request_cancel(*, build: Build, user: AnyUser, environment: str) -> bool:
    """Mark a running build for cancelation (audited); returns True once recorded.

    Holds the build's row lock so that two requests (or a finishing poll) cannot race;
    raises ServiceError for a build that is not running or already has a request.
    """
    locked = (
        Build.objects.select_for_update(of=("self",))
        .select_related("package__base")
        .get(pk=build.pk)
    )
    if locked.state != BuildState.RUNNING:
        raise ServiceError("Only running builds can be canceled.")
    if locked.cancel_requested:
        raise ServiceError("Build already has pending cancelation request.")
    Build.objects.filter(pk=locked.pk).update(cancel_requested=True)
    build.cancel_requested = True
    log_entry(
        user=user,
        environment=environment,
        base=locked.package.base,
        message=f"Build (id={locked.pk}, task_id={locked.task_id}) cancelation requested",
    )
    return True
