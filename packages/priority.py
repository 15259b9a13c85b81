"""Priority maths of spec section 3.1 as pure functions (no database).

The same formulas exist as one SQL annotation in ``PackageQuerySet.with_priority``; the
tests check both against the same table of reference values.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

TIME_PRIORITY_FLOOR = -30.0
MIN_HOURS = 0.000001
UNKNOWN_DISTANCE_WEIGHT = 8  # a change with no distance weighs as if 8 hops away


@dataclass(frozen=True)
class TimeCurve:
    """The log-shaped time term: 0 at ``t0`` hours, ``threshold`` at ``t1`` hours."""

    threshold: float = 256
    t0: float = 6
    t1: float = 168

    @property
    def a(self) -> float:
        return self.threshold / (math.log10(self.t1) - math.log10(self.t0))

    @property
    def b(self) -> float:
        return -self.a * math.log10(self.t0)


DEFAULT_CURVE = TimeCurve()


def time_priority(hours: float, curve: TimeCurve = DEFAULT_CURVE) -> float:
    """Priority earned by the time since the last build started, clamped at -30."""
    return max(curve.a * math.log10(max(MIN_HOURS, hours)) + curve.b, TIME_PRIORITY_FLOOR)


def dependency_priority(distances: Iterable[int | None], package_update: float = 256) -> int:
    """``int(sum(package_update / (distance or 8)))`` over a package's dependency changes."""
    return int(sum(package_update / (d or UNKNOWN_DISTANCE_WEIGHT) for d in distances))


def failed_build_bonus(
    previous_state: int | None, failed_build_priority: int = 200, failed_state: int = 5
) -> int:
    """build_priority after a scratch build of a package fails.

    The bonus applies when the previous build *of the same package* did not fail or
    does not exist (upstream compared with any package's build, spec section 8.1).
    """
    return 0 if previous_state == failed_state else failed_build_priority


def current_priority(
    *,
    manual: int,
    static: int,
    dependency: int,
    build: int,
    hours_since_last_build: float,
    coefficient: float = 1.0,
    curve: TimeCurve = DEFAULT_CURVE,
) -> float:
    """The total priority of a schedulable package; only the dynamic part is scaled."""
    dynamic = dependency + build + time_priority(hours_since_last_build, curve)
    return manual + static + coefficient * dynamic
