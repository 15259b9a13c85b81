"""The flyweight table of binary package NEVRAs that dependency sets refer to."""

from collections.abc import Iterable

from django.db import models


class Dependency(models.Model):
    """One binary NEVRA; unique, a NULL epoch included (spec section 8.19)."""

    name = models.CharField(max_length=255)
    epoch = models.IntegerField(null=True, blank=True)
    version = models.CharField(max_length=255)
    release = models.CharField(max_length=255)
    arch = models.CharField(max_length=64)

    class Meta:
        db_table = "dependency"
        verbose_name_plural = "dependencies"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "epoch", "version", "release", "arch"],
                name="ix_dependency_composite",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}-{self.evr}.{self.arch}"

    @property
    def evr(self) -> str:
        prefix = f"{self.epoch}:" if self.epoch else ""
        return f"{prefix}{self.version}-{self.release}"

    @property
    def nevra(self) -> tuple[str, int | None, str, str, str]:
        return (self.name, self.epoch, self.version, self.release, self.arch)


def nevras(ids: Iterable[int]) -> list[str]:
    """The NEVRA strings of these dependency ids, by name (one query); an id no row has
    (a set outliving a cleanup) appears as ``#id`` so nothing is silently dropped."""
    wanted = set(ids)
    rows = {dep.pk: dep for dep in Dependency.objects.filter(pk__in=wanted)}
    found = sorted((dep for dep in rows.values()), key=lambda dep: (dep.name, dep.pk))
    return [str(dep) for dep in found] + [f"#{pk}" for pk in sorted(wanted - set(rows))]
