"""Resolution outcomes: per-package results and problems, buildroot problems."""

from django.db import models

from packages.models import Collection, Package
from packages.models.notices import ClockTimestamp


class ResolutionChange(models.Model):
    """A change of a package's resolvability (or of its problem set) at some time."""

    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="resolution_changes"
    )
    resolved = models.BooleanField()
    timestamp = models.DateTimeField(db_default=ClockTimestamp(), db_index=True)

    class Meta:
        db_table = "resolution_change"
        ordering = ["-timestamp", "-id"]

    def __str__(self) -> str:
        return f"{'resolved' if self.resolved else 'unresolved'} at {self.timestamp}"


class ResolutionProblem(models.Model):
    """One problem string of an unresolved resolution change."""

    resolution = models.ForeignKey(
        ResolutionChange, on_delete=models.CASCADE, related_name="problems"
    )
    problem = models.TextField()

    class Meta:
        db_table = "resolution_problem"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.problem


class BuildrootProblem(models.Model):
    """Why a collection's base buildroot (its build group) does not install."""

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="buildroot_problems"
    )
    problem = models.TextField()

    class Meta:
        db_table = "buildroot_problem"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.problem
