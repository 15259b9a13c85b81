"""RPM version comparison in Python (``rpm.labelCompare``), EVR display (spec 3.15) and
the NVRA of a source package."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import rpm

RELEASE_DISPLAY_LIMIT = 16


def srpm_nvra(name: str, version: str | None, release: str | None) -> dict[str, Any]:
    """The NVRA of a build's SRPM as Koji names it (no epoch: Koji keys RPMs without one)."""
    return {"name": name, "version": version, "release": release, "arch": "src"}


def rpmvercmp(a: str, b: str) -> int:
    """-1, 0 or 1 as version string ``a`` is older, equal or newer than ``b``."""
    # rpm.labelCompare rejects an empty *version* ("invalid version") but compares
    # releases with RPM's plain rpmvercmp(), empty strings included; so the strings
    # go in the release slot, which also matches the SQL rpmvercmp() on "".
    return int(rpm.labelCompare(("0", "0", a), ("0", "0", b)))


def compare_evr(evr1: tuple[int | None, str, str], evr2: tuple[int | None, str, str]) -> int:
    """Compare (epoch, version, release) triples; a missing epoch counts as 0.

    Epochs compare as numbers, then versions, then releases, each with
    :func:`rpmvercmp`: what rpm.labelCompare does, and what SQL rpmvercmp_evr() does.
    """
    (epoch1, version1, release1), (epoch2, version2, release2) = evr1, evr2
    if (epoch1 or 0) != (epoch2 or 0):
        return 1 if (epoch1 or 0) > (epoch2 or 0) else -1
    return rpmvercmp(version1 or "", version2 or "") or rpmvercmp(release1 or "", release2 or "")


@functools.total_ordering
@dataclass(frozen=True)
class RpmEVR:
    """An epoch-version-release that orders as RPM orders it."""

    epoch: int | None
    version: str
    release: str

    def _cmp(self, other: RpmEVR) -> int:
        return compare_evr(
            (self.epoch, self.version, self.release), (other.epoch, other.version, other.release)
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RpmEVR) and self._cmp(other) == 0

    def __lt__(self, other: RpmEVR) -> bool:
        return self._cmp(other) < 0

    def __hash__(self) -> int:
        # Equal EVRs may differ in spelling ("1.0" == "1.00"): hash only the epoch.
        return hash(self.epoch or 0)

    def __str__(self) -> str:
        release = self.release
        if len(release) > RELEASE_DISPLAY_LIMIT:
            release = release[:13] + "..."
        prefix = f"{self.epoch}:" if self.epoch else ""
        return f"{prefix}{self.version}-{release}"
