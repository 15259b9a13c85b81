"""Statistics tables refreshed by the polling service (upstream's emulated views), and the
per-collection history the plots draw."""

from django.db import models

from packages.models import Collection


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

    @property
    def hours(self) -> float | None:
        return None if self.time is None else round(self.time.total_seconds() / 3600, 2)


class CollectionStats(models.Model):
    """A collection's package states and scheduler queue at one statistics refresh."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="+")
    time = models.DateTimeField(db_index=True)
    ok = models.IntegerField()
    failing = models.IntegerField()
    unresolved = models.IntegerField()
    unknown = models.IntegerField()
    running = models.IntegerField()
    queue = models.IntegerField()

    class Meta:
        db_table = "collection_stats"
        verbose_name_plural = "collection stats"
        ordering = ["collection_id", "time"]
        indexes = [models.Index(fields=["collection", "time"], name="ix_collection_stats_time")]

    def __str__(self) -> str:
        return f"{self.collection_id} at {self.time:%Y-%m-%d %H:%M}"
