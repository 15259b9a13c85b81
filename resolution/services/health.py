"""Operator health (DESIGN 13.5): is every collection resolved recently, is every schedule
succeeding, is the task queue draining?  One function gives the data ``koschei-status``
prints (and the operator page will show); a stale figure is a problem to report.

Limits come from ``KOSCHEI["services"]["health"]``.  Upstream had no such view: a
crash-looping poller went unnoticed for a month (upstream issue #349).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Failure, Schedule, Success

from builds.models import Build, RepoMapping
from koschei_site.schedules import PREFIX
from packages.models import Collection
from packages.states import BuildState
from resolution.models import RunState


@dataclass(frozen=True)
class CollectionHealth:
    """A collection's latest repo, when a run last finished resolving, running builds."""

    name: str
    latest_repo_id: int | None
    resolved_at: datetime | None
    running_builds: int
    repo_error: str
    secondary_mode: bool = False
    #: secondary mode: the primary repo mapped to ``latest_repo_id``, and failed newRepo tasks
    primary_repo_id: int | None = None
    mapping_failures: int = 0


@dataclass(frozen=True)
class ScheduleHealth:
    """A ``koschei:`` schedule and when its task last succeeded."""

    name: str
    func: str
    minutes: int
    last_success: datetime | None


@dataclass
class Health:
    """Everything ``koschei-status`` shows; healthy when ``problems`` is empty."""

    collections: list[CollectionHealth]
    schedules: list[ScheduleHealth]
    queued: int
    failures_last_day: int
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


def service_health(*, now: datetime | None = None) -> Health:
    """The service's health figures and the problems they show, read from the database."""
    now = now or timezone.now()
    limits = settings.KOSCHEI["services"]["health"]
    health = Health(
        collections=_collections(),
        schedules=_schedules(),
        queued=int(get_broker().queue_size() or 0),
        failures_last_day=Failure.objects.filter(stopped__gte=now - timedelta(days=1)).count(),
    )
    stale = timedelta(seconds=float(limits["resolved_within"]))
    for c in health.collections:
        if c.repo_error:
            health.problems.append(f"{c.name}: repo error: {c.repo_error}")
        if c.resolved_at is None:
            health.problems.append(f"{c.name}: no repo resolved yet")
        elif now - c.resolved_at > stale:
            health.problems.append(f"{c.name}: last resolved {ago(now, c.resolved_at)}")
        _check_mapping(health, c, now, timedelta(seconds=float(limits["repo_mapped_within"])))
    for s in health.schedules:
        late = timedelta(minutes=s.minutes * float(limits["schedule_missed_runs"]))
        if s.last_success is None or now - s.last_success > late:
            health.problems.append(f"schedule {s.name}: last success {ago(now, s.last_success)}")
    if not health.schedules:
        health.problems.append("no schedules: run manage.py sync-schedules")
    if health.failures_last_day > int(limits["max_failures_per_day"]):
        health.problems.append(f"{health.failures_last_day} failed tasks in the last day")
    return health


def _check_mapping(health: Health, c: CollectionHealth, now: datetime, late: timedelta) -> None:
    """Secondary mode: builds wait for the primary repo of the resolved secondary repo."""
    if not c.secondary_mode or c.primary_repo_id is not None or c.resolved_at is None:
        return
    if now - c.resolved_at > late:
        failed = f" ({c.mapping_failures} newRepo tasks failed)" if c.mapping_failures else ""
        health.problems.append(
            f"{c.name}: no primary repo for secondary repo {c.latest_repo_id}, resolved "
            f"{ago(now, c.resolved_at)}{failed}"
        )


def _collections() -> list[CollectionHealth]:
    rows = Collection.objects.annotate(
        resolved_at=Max(
            "resolution_runs__finished_at", filter=Q(resolution_runs__state=RunState.DONE)
        ),
    ).order_by("-order", "-name")  # Collection's own order: aggregate queries drop it
    running = dict(
        Build.objects.filter(state=BuildState.RUNNING)
        .values_list("package__collection_id")
        .annotate(n=Count("id"))
    )
    collections = list(rows)
    mapped: dict[int | None, RepoMapping] = {
        m.secondary_id: m
        for m in RepoMapping.objects.filter(
            secondary_id__in=[c.latest_repo_id for c in collections if c.secondary_mode]
        )
    }
    return [
        CollectionHealth(
            c.name,
            c.latest_repo_id,
            c.resolved_at,
            running.get(c.pk, 0),
            c.repo_error,
            c.secondary_mode,
            getattr(mapped.get(c.latest_repo_id), "primary_id", None),
            getattr(mapped.get(c.latest_repo_id), "failures", 0),
        )
        for c in collections
    ]


def _schedules() -> list[ScheduleHealth]:
    schedules = Schedule.objects.filter(name__startswith=PREFIX).order_by("name")
    funcs = [s.func for s in schedules]
    last = dict(
        Success.objects.filter(func__in=funcs).values_list("func").annotate(at=Max("stopped"))
    )
    return [
        ScheduleHealth(s.name.removeprefix(PREFIX), s.func, s.minutes or 1, last.get(s.func))
        for s in schedules
    ]


def ago(now: datetime, then: datetime | None) -> str:
    """How long ago ``then`` was, for people ("never" for None)."""
    if then is None:
        return "never"
    seconds = int((now - then).total_seconds())
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"
