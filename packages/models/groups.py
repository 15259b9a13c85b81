"""Package groups (global or in a user's namespace) and their maintainers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Count, Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from packages.models.package import BasePackage


class PackageGroupQuerySet(models.QuerySet["PackageGroup"]):
    def with_package_count(self) -> PackageGroupQuerySet:
        """Annotate ``package_count``: members not blocked in every collection."""
        return self.annotate(package_count=Count("members", filter=Q(members__all_blocked=False)))


class PackageGroup(models.Model):
    """A named set of base packages; namespace NULL means a global group."""

    namespace = models.CharField(max_length=255, null=True, blank=True)
    name = models.CharField(max_length=255)
    members: models.ManyToManyField[BasePackage, PackageGroupRelation]
    members = models.ManyToManyField(
        "packages.BasePackage", through="PackageGroupRelation", related_name="groups"
    )
    # Not upstream (DESIGN 13.3): the scheduler leaves the members' packages alone until
    # then (the snooze command, audited).
    snoozed_until = models.DateTimeField(null=True, blank=True)
    maintainers: models.ManyToManyField[AbstractBaseUser, GroupACL]
    maintainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupACL", related_name="package_groups"
    )

    objects = PackageGroupQuerySet.as_manager()

    class Meta:
        db_table = "package_group"
        ordering = ["namespace", "name"]
        constraints = [
            # nulls_distinct=False: two global groups (NULL namespace) may not share a
            # name either (upstream's index let them, spec section 8.19).
            models.UniqueConstraint(
                fields=["namespace", "name"],
                name="package_group_namespace_name_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


class PackageGroupRelation(models.Model):
    """Membership of a base package in a group."""

    group = models.ForeignKey(PackageGroup, on_delete=models.CASCADE)
    base = models.ForeignKey("packages.BasePackage", on_delete=models.CASCADE)

    class Meta:
        db_table = "package_group_relation"
        constraints = [
            models.UniqueConstraint(fields=["group", "base"], name="package_group_relation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.base_id} in {self.group_id}"


class GroupACL(models.Model):
    """A maintainer of a package group."""

    group = models.ForeignKey(PackageGroup, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        db_table = "group_acl"
        verbose_name = "group ACL"
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="group_acl_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} maintains {self.group_id}"
