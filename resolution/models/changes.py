"""Dependency changes: applied (between two builds) and unapplied (since the last build)."""

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from builds.models import Build
from packages.models import Package
from resolution.models.dependency import Dependency


class DependencyChange(models.Model):
    """A dependency that appeared, disappeared or changed EVR, with its distance."""

    prev_dep = models.ForeignKey(
        Dependency, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    curr_dep = models.ForeignKey(
        Dependency, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    distance = models.IntegerField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def dep_name(self) -> str:
        dep = self.curr_dep or self.prev_dep
        return dep.name if dep else ""


def deps_differ(table: str) -> models.CheckConstraint:
    """CHECK COALESCE(prev_dep_id, 0) <> COALESCE(curr_dep_id, 0): a change changes something."""
    return models.CheckConstraint(
        condition=~Q(Exact(Coalesce("prev_dep", Value(0)), Coalesce("curr_dep", Value(0)))),
        name=f"{table}_deps_differ",
    )


class AppliedChange(DependencyChange):
    """A change of a build's dependencies relative to the previous resolved build."""

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="dependency_changes")

    class Meta:
        db_table = "applied_change"
        ordering = [models.F("distance").asc(nulls_last=True), "id"]
        constraints = [
            deps_differ("applied_change"),
        ]

    def __str__(self) -> str:
        return f"{self.dep_name} in build {self.build_id}"


class UnappliedChange(DependencyChange):
    """A change of a package's dependencies since its last build, not yet built."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="unapplied_changes")

    class Meta:
        db_table = "unapplied_change"
        ordering = [models.F("distance").asc(nulls_last=True), "id"]
        constraints = [
            deps_differ("unapplied_change"),
        ]

    def __str__(self) -> str:
        return f"{self.dep_name} for {self.package_id}"
