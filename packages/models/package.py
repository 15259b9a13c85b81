"""Base packages (one per name) and packages (one per name and collection)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Greatest
from django.utils import timezone

from packages.evr import srpm_nvra
from packages.models.collections import Collection
from packages.models.groups import PackageGroupRelation
from packages.priority import MIN_HOURS, TIME_PRIORITY_FLOOR, TimeCurve
from packages.states import BuildState, PackageState, SkipReason, msg_state, package_state


class BasePackage(models.Model):
    """A package name across all collections; ``all_blocked`` is kept by a trigger."""

    name = models.CharField(max_length=255, unique=True)
    all_blocked = models.BooleanField(default=True)

    class Meta:
        db_table = "base_package"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


#: Is the last build a complete one (false while one runs, NULL with no build)?
LAST_BUILD_COMPLETE = ExpressionWrapper(
    Q(last_build=F("last_complete_build")), output_field=BooleanField()
)

#: The last build's state from the package row alone, without joining build: the
#: last-build trigger keeps last_build either the last complete build or a running one.
LAST_BUILD_STATE = Case(
    When(last_build__isnull=True, then=None),
    When(last_build=F("last_complete_build"), then=F("last_complete_build_state")),
    default=Value(BuildState.RUNNING),
    output_field=IntegerField(),
)


class HoursSince(Func):
    """Hours between a timestamp and ``clock_timestamp()``, as a float.

    ``date_part`` gives double precision directly; EXTRACT gives numeric, whose
    arithmetic made the scheduler's priority query several times slower (bench/scheduler).
    """

    template = "(date_part('epoch', clock_timestamp() - %(expressions)s) / 3600.0)"
    output_field = FloatField()


class Log10(Func):
    """PostgreSQL's one-argument ``log``, which is base 10."""

    function = "LOG"
    output_field = FloatField()


SCHEDULABLE = (
    Q(last_build__isnull=False)
    & Q(blocked=False, tracked=True)
    & Q(last_complete_build=F("last_build"))
    & (Q(resolved=True) | Q(skip_resolution=True))
    & Q(collection__latest_repo_resolved=True)
)


def time_priority_expression(curve: TimeCurve) -> Greatest:
    """SQL twin of :func:`packages.priority.time_priority`."""
    hours = Greatest(Value(MIN_HOURS), HoursSince(F("last_build_started")))
    return Greatest(
        Value(curve.a) * Log10(hours) + Value(curve.b),
        Value(TIME_PRIORITY_FLOOR),
        output_field=FloatField(),
    )


def priority_expression() -> CombinedExpression:
    """Spec 3.1's priority of a schedulable package (``packages.priority.current_priority``),
    from its own row and its collection's coefficient."""
    time_term = time_priority_expression(configured_curve())
    dynamic = F("dependency_priority") + F("build_priority") + time_term
    coefficient = F("collection__priority_coefficient")
    return F("manual_priority") + F("static_priority") + coefficient * dynamic


def configured_curve() -> TimeCurve:
    prio = settings.KOSCHEI["priorities"]
    return TimeCurve(threshold=prio["build_threshold"], t0=prio["t0"], t1=prio["t1"])


def state_condition(state: str) -> Q:
    """SQL twin of :attr:`Package.state_string`: the packages in ``state``."""
    active = Q(blocked=False, tracked=True)
    usable = active & ~Q(resolved=False)
    conditions = {
        PackageState.BLOCKED: Q(blocked=True),
        PackageState.UNTRACKED: Q(blocked=False, tracked=False),
        PackageState.UNRESOLVED: active & Q(resolved=False),
        PackageState.OK: usable & Q(last_complete_build_state=BuildState.COMPLETE),
        PackageState.FAILING: usable & Q(last_complete_build_state=BuildState.FAILED),
        PackageState.UNKNOWN: usable
        & ~Q(last_complete_build_state__in=[BuildState.COMPLETE, BuildState.FAILED]),
    }
    return conditions[PackageState(state)]


class PackageQuerySet(models.QuerySet["Package"]):
    def tracked(self) -> PackageQuerySet:
        return self.filter(tracked=True, blocked=False)

    def with_state(self) -> PackageQuerySet:
        """Annotate ``state``: ``state_string`` computed in SQL."""
        return self.annotate(
            state=Case(
                *(When(state_condition(s), then=Value(s)) for s in PackageState.values),
                output_field=models.CharField(),
            )
        )

    def in_state(self, state: str) -> PackageQuerySet:
        """Packages whose ``state_string`` is ``state`` (a PackageState value)."""
        return self.filter(state_condition(state))

    def schedulable(self) -> PackageQuerySet:
        """Packages whose priority is defined (spec section 3.1's NULL cases excluded)."""
        return self.filter(SCHEDULABLE)

    def with_priority(self) -> PackageQuerySet:
        """Annotate ``current_priority`` (NULL when unschedulable), computed in SQL."""
        return self.annotate(
            current_priority=Case(
                When(SCHEDULABLE, then=priority_expression()),
                default=None,
                output_field=FloatField(),
            )
        )

    def unheld(self, now: datetime) -> PackageQuerySet:
        """Packages no noise gate holds at ``now`` (DESIGN 13.3): not snoozed, in no
        snoozed group, not backing off.  Expired snoozes hold nothing, cleared or not."""
        snoozed_group = PackageGroupRelation.objects.filter(
            base_id=OuterRef("base_id"), group__snoozed_until__gt=now
        )
        return self.filter(
            Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now),
            Q(backoff_until__isnull=True) | Q(backoff_until__lte=now),
            ~Exists(snoozed_group),
        )

    def with_group_snooze(self) -> PackageQuerySet:
        """Annotate ``group_snoozed_until``: the latest snooze of the package's groups."""
        latest = (
            PackageGroupRelation.objects.filter(base_id=OuterRef("base_id"))
            .order_by(F("group__snoozed_until").desc(nulls_last=True))
            .values("group__snoozed_until")[:1]
        )
        return self.annotate(group_snoozed_until=Subquery(latest))

    def by_priority(self) -> PackageQuerySet:
        """Schedulable packages with ``current_priority``, highest first (the scheduler's
        order).  Only schedulable rows are left, so the priority needs no NULL case."""
        return (
            self.schedulable()
            .annotate(current_priority=priority_expression())
            .order_by(F("current_priority").desc(), "id")
        )


class Package(models.Model):
    """A package in one collection, with its tracking flags and priority inputs."""

    base = models.ForeignKey(BasePackage, on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(max_length=255, db_index=True)
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="packages")
    arch_override = models.CharField(max_length=255, null=True, blank=True)
    skip_resolution = models.BooleanField(default=False)
    # Both pointers are maintained by database triggers (migrations builds/0003 and
    # 0006): never assign them from Python.  ON DELETE actions are created in SQL.
    last_complete_build = models.ForeignKey(
        "builds.Build",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    last_complete_build_state = models.IntegerField(
        null=True, blank=True, choices=BuildState.choices
    )
    last_build = models.ForeignKey(
        "builds.Build",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    # When last_build started, kept by the same triggers: the priority's time term reads
    # it from the package row, so ranking every package joins no build (bench/scheduler).
    last_build_started = models.DateTimeField(null=True, blank=True, editable=False)
    resolved = models.BooleanField(null=True, blank=True)
    static_priority = models.IntegerField(default=0)
    manual_priority = models.IntegerField(default=0)
    build_priority = models.IntegerField(default=0)
    dependency_priority = models.IntegerField(default=0)
    tracked = models.BooleanField(default=False)
    blocked = models.BooleanField(default=False)
    scheduler_skip_reason = models.IntegerField(null=True, blank=True, choices=SkipReason.choices)
    # Not upstream (DESIGN 13.3): the scheduler leaves the package alone until then.
    # snoozed_until is an operator's (the snooze command, audited); backoff_until is
    # written after each of its builds ends from its build history (builds.services.noise:
    # infrastructure-failure retries, consecutive-failure backoff, builds per day).
    snoozed_until = models.DateTimeField(null=True, blank=True)
    backoff_until = models.DateTimeField(null=True, blank=True)

    objects = PackageQuerySet.as_manager()

    class Meta:
        db_table = "package"
        ordering = ["name", "collection_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "collection"], name="package_base_collection_unique"
            ),
            models.CheckConstraint(
                condition=Q(skip_resolution=False) | Q(resolved__isnull=True),
                name="package_skip_resolution_unresolved",
            ),
        ]
        indexes = [
            models.Index(
                fields=["collection", "tracked"],
                condition=Q(blocked=False),
                name="ix_package_collection_id",
            ),
            # Expired snoozes are found and cleared on every scheduler decision.
            models.Index(
                fields=["snoozed_until"],
                condition=Q(snoozed_until__isnull=False),
                name="ix_package_snoozed_until",
            ),
            # The package list's default order ("running,state,name"), so that any of its
            # pages is an index range instead of a sort of the whole collection.
            models.Index(
                "collection",
                LAST_BUILD_COMPLETE,
                "resolved",
                LAST_BUILD_STATE.desc(),
                "name",
                "id",
                condition=Q(blocked=False, tracked=True),
                name="ix_package_list_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.collection.name})"

    @property
    def state_string(self) -> str:
        """ok / failing / unresolved / blocked / untracked / unknown (first rule wins)."""
        return package_state(
            blocked=self.blocked,
            tracked=self.tracked,
            resolved=self.resolved,
            last_complete_build_state=self.last_complete_build_state,
        )

    @property
    def state_display(self) -> str:
        """``state_string``, plus the snooze holding the package (own or its groups').

        The snooze stays out of ``state_string``: that is upstream's vocabulary, carried
        by the API, badges and state-change messages, and a snooze changes no build result.
        Querysets annotated by ``with_group_snooze()`` spare one query per package.
        """
        until = self.snooze_ends()
        if until is None:
            return self.state_string
        return f"{self.state_string}, snoozed until {until:%Y-%m-%d %H:%M} UTC"

    def snooze_ends(self, now: datetime | None = None) -> datetime | None:
        """When the package's snooze (its own or a group's, the later) ends; None if none."""
        now = now or timezone.now()
        if hasattr(self, "group_snoozed_until"):
            group = self.group_snoozed_until
        else:
            group = PackageGroupRelation.objects.filter(base_id=self.base_id).aggregate(
                until=Max("group__snoozed_until")
            )["until"]
        ends = [t for t in (self.snoozed_until, group) if t is not None and t > now]
        return max(ends, default=None)

    @property
    def msg_state_string(self) -> str:
        return msg_state(self.state_string)

    @property
    def has_running_build(self) -> bool:
        return self.last_build_id != self.last_complete_build_id

    @property
    def srpm_nvra(self) -> dict[str, Any] | None:
        """Name, version, release and arch 'src' of the last complete build (no epoch)."""
        build = self.last_complete_build
        if build is None:
            return None
        return srpm_nvra(self.name, build.version, build.release)

    def skip_reasons(self) -> list[str]:
        """Every reason the package has no priority (shown on the package page)."""
        checks = [
            (
                self.scheduler_skip_reason is not None,
                SkipReason(self.scheduler_skip_reason).label if self.scheduler_skip_reason else "",
            ),
            (not self.tracked, "Package is not tracked"),
            (self.blocked, "Package is blocked in koji"),
            (
                self.last_build_id is not None and self.has_running_build,
                "Package has a running build",
            ),
            (self.resolved is False, "Package dependencies are not resolvable"),
            (
                self.resolved is None and not self.skip_resolution,
                "Package dependencies were not resolved yet",
            ),
            (self.last_build_id is None, "Package has no known build"),
            (
                self.collection.latest_repo_resolved is False,
                f"Base buildroot for {self.collection} is not resolvable",
            ),
            (
                self.collection.latest_repo_resolved is None,
                f"Base buildroot for {self.collection} was not resolved yet",
            ),
        ]
        return [reason for applies, reason in checks if applies]
