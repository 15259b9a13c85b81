"""A scratch build an operator asks for now, whatever the priority and Koji's load.

It goes the scheduler's way (a committed :class:`~builds.models.SubmissionClaim` under the
scheduler's lock, then :func:`~builds.services.scheduler.submit_claimed`), so a scheduler
deciding at the same time never submits the package too, and a lost reply is settled
like any scheduler submission.  Refused, with a one-line reason, for a package that is
blocked, unresolvable, in a collection whose buildroot does not resolve, or already
building.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from builds.koji import KojiSessions
from builds.models import Build, SubmissionClaim
from builds.services.scheduler import ClaimSettled, lock_scheduling, submit_claimed
from builds.services.submit import package_arches
from koschei_site.errors import ServiceError
from packages.models import Package
from packages.services.audit import AnyUser, log_entry
from packages.states import BuildState


def refusal(package: Package) -> str:
    """Why ``package`` may not be submitted now ("" when it may)."""
    if package.blocked:
        return "it is blocked in Koji"
    if package.resolved is False:
        return "its dependencies are not resolvable"
    if package.collection.latest_repo_resolved is not True:
        return "the collection's base buildroot is not resolved"
    if package.has_running_build:
        return "it has a running build"
    return ""


def _claim(package: Package, owner: str) -> bool:
    """Claim the package under the scheduler's lock unless it is building or claimed."""
    with transaction.atomic():
        lock_scheduling()
        busy = (
            Build.objects.filter(package=package, state=BuildState.RUNNING).exists()
            or SubmissionClaim.objects.filter(package=package).exists()
        )
        if busy:
            return False
        SubmissionClaim.objects.create(package=package, claimed_at=timezone.now(), owner=owner)
    return True


def submit_now(
    *, package: Package, sessions: KojiSessions, user: AnyUser, environment: str
) -> Build:
    """Submit a scratch build of ``package`` at once (audited); ServiceError when refused.

    Must not run inside a transaction: Koji is called between the claim and the build row.
    """
    where = f"{package.name} in {package.collection.name}"
    reason = refusal(package)
    if reason:
        raise ServiceError(f"Not submitted: {where}: {reason}")
    arches = package_arches(package=package, sessions=sessions)
    if arches is None:
        raise ServiceError(f"Not submitted: {where}: no SRPM found in Koji")
    if not arches:
        raise ServiceError(f"Not submitted: {where}: no allowed arches")
    owner = f"operator {user.get_username() if user is not None else 'backend'}"
    if not _claim(package, owner):
        raise ServiceError(f"Not submitted: {where}: it is building or being submitted")
    try:
        build = submit_claimed(package, arches, sessions)
    except ClaimSettled as exc:
        raise ServiceError(f"{where}: {exc}") from None
    if build is None:
        raise ServiceError(f"Not submitted: {where}: no SRPM found in Koji")
    log_entry(
        user=user,
        environment=environment,
        message=f"Scratch build of {where} submitted: task {build.task_id}",
        base=package.base,
    )
    return build
