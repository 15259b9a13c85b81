"""Figures on stdout (``name=value``, one a line, printed as soon as known) and machine facts."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


class BenchError(Exception):
    """A step of the benchmark failed; the message is one line."""


def figure(name: str, value: object) -> None:
    """Print one figure; floats get three decimals, None becomes ``unavailable``."""
    if value is None:
        text = "unavailable"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = f"{value:.3f}"
    else:
        text = str(value)
    print(f"{name}={text}", flush=True)


def unavailable(name: str, reason: str) -> None:
    """A figure that could not be measured, and why (on the same line)."""
    print(f"{name}=unavailable reason={' '.join(reason.split())}", flush=True)


def note(message: str) -> None:
    """Progress for the person watching (stderr, so stdout stays figures only)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def machine_facts(postgres_version: str) -> None:
    """CPU, cores, RAM, kernel, Python and PostgreSQL versions, and the load when starting."""
    figure("cpu_model", _cpu_model().replace(" ", "_"))
    figure("cpu_cores", os.cpu_count())
    figure("cpu_cores_usable", len(os.sched_getaffinity(0)))
    figure("ram_mb", _ram_mb())
    figure("kernel", platform.release())
    figure("python", platform.python_version())
    figure("postgres", postgres_version)
    figure("load_avg_1m", round(os.getloadavg()[0], 2))
