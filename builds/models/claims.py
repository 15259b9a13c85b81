"""Submission claims: the scheduler's mark on a package between its decision and Koji's answer."""

from __future__ import annotations

from django.db import models

from packages.models import Package


class SubmissionClaim(models.Model):
    """A package the scheduler decided to build and is submitting to Koji right now.

    Written under the scheduler's advisory lock and committed before Koji is called, so a
    second scheduler (another process or host) never picks the same package for the same
    decision; deleted once the RUNNING build row exists or Koji refused the build.

    ``submission`` (``builds.services.submit.Submission``) is written just before Koji's
    ``build`` is called.  A claim older than ``services.scheduler.claim_timeout`` (its
    scheduler died mid-submission), or one whose ``outcome_unknown`` (Koji may have made
    the task and could not say), is settled by the next decision: the task is looked for
    in Koji by its submission, recorded as a running build when found, else the claim
    is dropped; while Koji cannot be asked, the claim stays.
    """

    package = models.OneToOneField(
        Package, on_delete=models.CASCADE, primary_key=True, related_name="submission_claim"
    )
    claimed_at = models.DateTimeField()
    # host:pid of the claiming process, for operators reading a stuck claim.
    owner = models.CharField(max_length=255)
    submission = models.JSONField(null=True, blank=True)
    outcome_unknown = models.BooleanField(default=False)

    class Meta:
        db_table = "submission_claim"
        ordering = ["claimed_at"]

    def __str__(self) -> str:
        return f"claim on package {self.package_id} by {self.owner}"
