"""Statistics tables refreshed by the polling service (upstream's emulated views)."""

from django.db import models


class ScalarStats(models.Model):
    """One row of totals, replaced on every refresh."""

    refresh_time = models.DateTimeField(primary_key=True)
    packages = models.IntegerField()
    tracked_packages = models.IntegerField()
    blocked_packages = models.IntegerField()
    builds = models.IntegerField()
    real_builds = models.IntegerField()
    scratch_builds = models.IntegerField()

    class Meta:
        db_table = "scalar_stats"
        verbose_name_plural = "scalar stats"

    def __str__(self) -> str:
        return f"stats at {self.refresh_time:%Y-%m-%d %H:%M}"

    @property
    def untracked_packages(self) -> int:
        return self.packages - self.tracked_packages

    @property
    def active_packages(self) -> int:
        return self.packages - self.blocked_packages


class ResourceConsumptionStats(models.Model):
    """Koji build time spent per package name and arch, over all collections."""

    name = models.CharField(max_length=255)
    arch = models.CharField(max_length=64)
    time = models.DurationField(null=True, blank=True, db_index=True)
    time_percentage = models.FloatField(null=True, blank=True)

    class Meta:
        db_table = "resource_consumption_stats"
        verbose_name_plural = "resource consumption stats"
        ordering = [models.F("time").desc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["name", "arch"], name="resource_consumption_stats_pk"),
        ]

    def __str__(self) -> str:
        return f"{self.name}.{self.arch}"
