"""The simulated clock: wall time scaled by a speed factor, plus manual advances."""

from __future__ import annotations

import threading
import time


class SimClock:
    """Simulated time in seconds since the epoch.

    ``speed`` 1.0 follows the wall clock, 0 freezes time (tests advance it explicitly),
    larger values run the simulation faster than real time.
    """

    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._real_base = time.monotonic()
        self._sim_base = time.time() if start is None else start
        self._speed = speed

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        with self._lock:
            return self._sim_base + (time.monotonic() - self._real_base) * self._speed

    def advance(self, seconds: float) -> float:
        """Jump forward; returns the new time."""
        if seconds < 0:
            raise ValueError("the simulated clock cannot go backwards")
        with self._lock:
            self._sim_base += seconds
        return self.now()

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must not be negative")
        with self._lock:
            real = time.monotonic()
            self._sim_base += (real - self._real_base) * self._speed
            self._real_base = real
            self._speed = speed
