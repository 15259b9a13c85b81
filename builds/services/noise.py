"""Noise control (DESIGN 13.3, not upstream): every gate that holds a package back.

Four gates, each a :class:`Hold` with the time it lets go:

- **snoozed**: an operator snoozed the package, or a group it belongs to, until a date
  (``packages.services.snooze``);
- **infrastructure retry**: its last builds failed on Koji's side (``build.infra_failure``);
  the first retry waits ``noise.infra_retry_base`` seconds, each further failure in a row
  doubles the wait, up to ``noise.infra_retry_cap``;
- **failure backoff**: its last ``noise.failure_backoff_after`` scratch builds or more
  failed in a row (infrastructure failures are no package result and are passed over,
  as are failed real builds; a complete build, real or scratch, ends the streak);
  the wait starts at ``noise.failure_backoff_base`` and doubles with each further failure,
  up to ``noise.failure_backoff_cap``;
- **daily bound**: ``noise.max_builds_per_day`` scratch builds of the package started
  in the last 24 hours, those Koji failed included: they took Koji's builders too, and a
  package whose failure Koji's answer hides (upstream #310: hundreds of builds of one
  package a day) is bounded all the same.

:func:`package_holds` lists the holds of one package: the scheduler asks it for each
package it is about to submit, and the "why and when will this build?" panel may call it.
The scheduler's candidate query cannot afford the build history of every package, so the
last three gates are kept on the package row as ``backoff_until`` by :func:`refresh_backoff`
(from the same :func:`history_holds`) whenever one of its builds ends; the query reads it
with the snoozes (``PackageQuerySet.unheld``).  A configuration change reaches a package's
``backoff_until`` when its next build ends or when the scheduler next looks at it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from builds.models import Build
from packages.models import Package, PackageGroup
from packages.states import BuildState

DAY = timedelta(days=1)
#: builds of a package read for its history gates; a streak longer than this is long
#: past every cap (doubling from the base), and the daily bound is far below it
HISTORY = 100


class Gate(enum.StrEnum):
    """The noise gates, as the scheduler and the package page name them."""

    SNOOZED = "snoozed"
    GROUP_SNOOZED = "group-snoozed"
    INFRA_RETRY = "infra-retry"
    FAILURE_BACKOFF = "failure-backoff"
    DAILY_BOUND = "daily-bound"


@dataclass(frozen=True)
class Hold:
    """One gate holding a package back until a time, and why."""

    gate: Gate
    until: datetime
    reason: str

    def __str__(self) -> str:
        return f"{self.reason} until {self.until:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class PastBuild:
    """What the history gates read of a build."""

    state: int
    real: bool
    infra_failure: str
    started: datetime
    finished: datetime | None

    @property
    def ended(self) -> datetime:
        return self.finished or self.started


def noise_config() -> Mapping[str, Any]:
    return settings.KOSCHEI["noise"]


def doubling(base: float, cap: float, step: int) -> timedelta:
    """``base`` doubled ``step`` times, at most ``cap`` (seconds)."""
    return timedelta(seconds=min(float(cap), float(base) * 2.0 ** min(step, 62)))


def history_holds(
    builds: Sequence[PastBuild], *, now: datetime, config: Mapping[str, Any]
) -> list[Hold]:
    """The retry, backoff and daily-bound holds of a history (newest build first)."""
    holds = [
        _infra_retry(builds, config),
        _failure_backoff(builds, config),
        _daily_bound(builds, now, config),
    ]
    return [h for h in holds if h is not None and h.until > now]


def _infra_retry(builds: Sequence[PastBuild], config: Mapping[str, Any]) -> Hold | None:
    ended = [b for b in builds if b.state != BuildState.RUNNING]
    streak = 0
    for build in ended:
        if not build.infra_failure:
            break
        streak += 1
    if not streak:
        return None
    wait = doubling(config["infra_retry_base"], config["infra_retry_cap"], streak - 1)
    reason = f"{streak} infrastructure failure{'s' if streak > 1 else ''} in a row"
    return Hold(Gate.INFRA_RETRY, ended[0].ended + wait, f"{reason} ({ended[0].infra_failure})")


def _failure_backoff(builds: Sequence[PastBuild], config: Mapping[str, Any]) -> Hold | None:
    after = int(config["failure_backoff_after"] or 0)
    if after <= 0:
        return None
    failures: list[PastBuild] = []
    for build in builds:
        if build.state == BuildState.COMPLETE:
            break
        if build.state == BuildState.FAILED and not build.infra_failure and not build.real:
            failures.append(build)
    if len(failures) < after:
        return None
    wait = doubling(
        config["failure_backoff_base"], config["failure_backoff_cap"], len(failures) - after
    )
    reason = f"{len(failures)} failed builds in a row"
    return Hold(Gate.FAILURE_BACKOFF, failures[0].ended + wait, reason)


def _daily_bound(
    builds: Sequence[PastBuild], now: datetime, config: Mapping[str, Any]
) -> Hold | None:
    bound = int(config["max_builds_per_day"] or 0)
    if bound <= 0:
        return None
    today = sorted(
        (b.started for b in builds if not b.real and b.started > now - DAY),
        reverse=True,
    )
    if len(today) < bound:
        return None
    # The count falls below the bound when the bound-th newest build is a day old.
    return Hold(Gate.DAILY_BOUND, today[bound - 1] + DAY, f"{len(today)} builds in 24 hours")


def past_builds(package_id: int) -> list[PastBuild]:
    """The package's latest builds, newest first (the last-build triggers' order)."""
    rows = (
        Build.objects.filter(package_id=package_id, untagged=False)
        .order_by("-started", "-id")
        .values_list("state", "real", "infra_failure", "started", "finished")[:HISTORY]
    )
    return [PastBuild(*row) for row in rows]


def backoff_holds(package_id: int, *, now: datetime | None = None) -> list[Hold]:
    """The holds a package's build history puts on it now."""
    now = now or timezone.now()
    return history_holds(past_builds(package_id), now=now, config=noise_config())


def snooze_holds(package: Package, *, now: datetime) -> list[Hold]:
    """The package's own snooze and those of its groups, while they last."""
    holds = []
    if package.snoozed_until is not None and package.snoozed_until > now:
        holds.append(Hold(Gate.SNOOZED, package.snoozed_until, "snoozed"))
    groups = PackageGroup.objects.filter(members=package.base_id, snoozed_until__gt=now)
    for group in groups.order_by("namespace", "name"):
        assert group.snoozed_until is not None  # noqa: S101 - filtered on it
        holds.append(
            Hold(Gate.GROUP_SNOOZED, group.snoozed_until, f"group {group.full_name} snoozed")
        )
    return holds


def package_holds(package: Package, *, now: datetime | None = None) -> list[Hold]:
    """Every noise gate holding the package back now (empty: none)."""
    now = now or timezone.now()
    return snooze_holds(package, now=now) + backoff_holds(package.pk, now=now)


def held_until(holds: Iterable[Hold]) -> datetime | None:
    """When every one of the holds has let go; None when there are none."""
    return max((h.until for h in holds), default=None)


def refresh_backoff(package_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Store on each package when its history holds end (``backoff_until``, NULL: free).

    The build sync calls it in the transaction that ends one of the package's builds;
    the scheduler when the stored time disagrees with the holds it just computed.
    """
    now = now or timezone.now()
    for package_id in sorted(set(package_ids)):
        until = held_until(backoff_holds(package_id, now=now))
        Package.objects.filter(pk=package_id).exclude(backoff_until=until).update(
            backoff_until=until
        )


def release_backoff(package_ids: Iterable[int]) -> None:
    """Re-check the stored backoff of those packages that have one, after builds that
    can only end a hold (new real builds)."""
    held = Package.objects.filter(pk__in=list(package_ids), backoff_until__isnull=False)
    refresh_backoff(held.values_list("pk", flat=True))


def hold_reason(package: Package, *, persist: bool) -> str:
    """Why the scheduler must pass over the package now ("" when it need not).

    The stored ``backoff_until`` may lag a configuration change; when the holds say
    otherwise and ``persist`` is set, it is brought up to date.
    """
    now = timezone.now()
    holds = package_holds(package, now=now)
    backoff = held_until(h for h in holds if h.gate not in (Gate.SNOOZED, Gate.GROUP_SNOOZED))
    if persist and backoff != package.backoff_until:
        refresh_backoff([package.pk], now=now)
    return "; ".join(str(h) for h in holds)
