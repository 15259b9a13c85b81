"""Collections (one Koji configuration each, e.g. one Fedora release) and their groups."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Collection(models.Model):
    """A Koji target/tag pair whose packages Koschei tracks, e.g. ``f42``."""

    # What an operator may change without asking Koji (forms, commands, branching copy them).
    SETTINGS = (
        "display_name",
        "order",
        "priority_coefficient",
        "build_group",
        "poll_untracked",
        "bugzilla_product",
        "bugzilla_version",
    )
    # What Koji decides: changed only by the services that read the target from Koji.
    KOJI_FIELDS = ("secondary_mode", "target", "build_tag", "dest_tag")

    order = models.IntegerField(default=100)
    name = models.CharField(max_length=255, unique=True)
    display_name = models.CharField(max_length=255)
    secondary_mode = models.BooleanField(default=False)
    target = models.CharField(max_length=255)
    dest_tag = models.CharField(max_length=255)
    build_tag = models.CharField(max_length=255)
    bugzilla_product = models.CharField(max_length=255, null=True, blank=True)
    bugzilla_version = models.CharField(max_length=255, null=True, blank=True)
    priority_coefficient = models.FloatField(default=1.0)
    build_group = models.CharField(max_length=255, default="build")
    latest_repo_id = models.IntegerField(null=True, blank=True)
    latest_repo_resolved = models.BooleanField(null=True, blank=True)
    poll_untracked = models.BooleanField(default=True)
    # Why the latest repo could not be used (dead repo, missing build group); empty when
    # fine.  Shown to operators and cleared by the next good repo.
    repo_error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "collection"
        ordering = ["-order", "-name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latest_repo_resolved__isnull=True, latest_repo_id__isnull=True)
                | Q(latest_repo_resolved__isnull=False, latest_repo_id__isnull=False),
                name="collection_latest_repo_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def state_string(self) -> str:
        """ok / unresolved / unknown, from whether the base buildroot resolved."""
        return {True: "ok", False: "unresolved"}.get(self.latest_repo_resolved, "unknown")  # type: ignore[arg-type]


class CollectionGroup(models.Model):
    """A named set of collections shown together (e.g. "Fedora")."""

    name = models.CharField(max_length=255, unique=True)
    display_name = models.CharField(max_length=255)
    collections: models.ManyToManyField[Collection, CollectionGroupRelation]
    collections = models.ManyToManyField(
        Collection, through="CollectionGroupRelation", related_name="groups"
    )

    class Meta:
        db_table = "collection_group"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name


class CollectionGroupRelation(models.Model):
    """Membership of a collection in a collection group."""

    group = models.ForeignKey(CollectionGroup, on_delete=models.CASCADE)
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE)

    class Meta:
        db_table = "collection_group_relation"
        constraints = [
            models.UniqueConstraint(
                fields=["group", "collection"], name="collection_group_relation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection_id} in {self.group_id}"
