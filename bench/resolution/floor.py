"""The floor: a bare hawkey goal per package on the same sack, one core, in this process.

Nothing but the solver: the BuildRequires come from the data set's ``sources.json``, the
build group from the repo's comps file, no distances, no database, no Koji.  Full
resolution on the workers is compared with it (``floor_ratio = full_s / floor_s``), which
survives a noisy machine better than an absolute time.  Also measured here: loading the
sack from repodata (a fresh solv cache) and again from the solv cache, then full
``Depsolver.resolve`` of the same packages split by phase (``bench.resolution.phases``);
and any repo's sack from its repodata alone (the incremental run's floor).
"""

from __future__ import annotations

import dataclasses
import gzip
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.resolution.phases import PhaseFigures, measure_phases
from resolution.depsolve import Depsolver, load_sack
from resolution.repos import LocalRepo, RepoCache, RepoDescriptor

GROUP_TYPES = ("mandatory", "default")


@dataclass(frozen=True)
class BenchRepo:
    """A repo of the run as the floor, the pace and the shape reach it: the run's cache
    (downloaded there if the workers have not), the collection's build group and the
    configured arches."""

    cache: RepoCache
    descriptor: RepoDescriptor
    topurl: str
    repo_arch: str
    solve_arch: str
    ignore_weak_deps: bool
    group_name: str

    @contextmanager
    def files(self, *, private: bool = True) -> Iterator[LocalRepo]:
        """The repo's files, valid inside the block; ``private``: with a solv cache of
        their own, so that the first load is one from repodata."""
        with self.cache.get(self.descriptor, self.topurl, self.repo_arch) as local:
            if not private:
                yield local
                return
            with tempfile.TemporaryDirectory() as tmp:
                yield dataclasses.replace(local, path=Path(tmp))

    def build_group(self, local: LocalRepo) -> list[str]:
        """The collection's build group from the repo's comps file."""
        if local.comps is None:
            raise ValueError(f"repo {self.descriptor} has no comps file")
        return build_group_from_comps(local.comps, self.group_name)


@dataclass(frozen=True)
class FloorFigures:
    packages: int
    unresolved: int
    seconds: float
    sack_load_cold_s: float
    sack_load_warm_s: float
    sack_packages: int
    phases: PhaseFigures | None = None


def build_group_from_comps(path: Path, group: str) -> list[str]:
    """The default and mandatory package names of a comps group (empty when missing)."""
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        # comps written by our own kojisim and checked against repomd by librepo
        root = ET.parse(handle).getroot()  # noqa: S314
    for element in root.iter("group"):
        if element.findtext("id") == group:
            return [
                (req.text or "").strip()
                for req in element.iter("packagereq")
                if req.get("type", "mandatory") in GROUP_TYPES and (req.text or "").strip()
            ]
    return []


def time_goals(
    solver: Depsolver, packages: Sequence[tuple[str, list[str]]], group: list[str]
) -> tuple[float, int]:
    """Seconds for one bare goal per package, and how many of the goals failed."""
    unresolved = 0
    started = time.perf_counter()
    for _name, requires in packages:
        if not solver.run_goal(requires, group).resolved:
            unresolved += 1
    return time.perf_counter() - started, unresolved


def measure_floor(repo: BenchRepo, packages: Sequence[tuple[str, list[str]]]) -> FloorFigures:
    """Load the repo's sack twice (fresh solv cache, then warm) and time one goal per package."""
    with repo.files() as local:
        group = repo.build_group(local)
        cold = load_sack(local, repo.solve_arch)
        warm = load_sack(local, repo.solve_arch)
        solver = Depsolver(warm.sack, ignore_weak_deps=repo.ignore_weak_deps)
        seconds, unresolved = time_goals(solver, packages, group)
        phases = measure_phases(warm.sack, packages, group, weak=not repo.ignore_weak_deps)
        return FloorFigures(
            packages=len(packages),
            unresolved=unresolved,
            seconds=seconds,
            sack_load_cold_s=cold.seconds,
            sack_load_warm_s=warm.seconds,
            sack_packages=len(warm.sack),
            phases=phases,
        )


def repodata_load_seconds(repo: BenchRepo) -> float:
    """Seconds to load the repo's sack from its repodata, writing no solv cache: the first
    thing a run on a repo nobody has loaded yet must do before it can solve anything."""
    with repo.files() as local:
        return load_sack(local, repo.solve_arch, build_cache=False).seconds


def eligible_packages(collection: str, sources: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The collection's packages that resolution resolves, with BuildRequires from
    ``sources.json`` (none for a package it does not list)."""
    from packages.models import Package

    requires = {
        str(p["name"]): [str(d) for d in p.get("build_requires") or []]
        for p in sources.get("packages") or []
    }
    names = (
        Package.objects.filter(
            collection__name=collection,
            tracked=True,
            blocked=False,
            skip_resolution=False,
            last_complete_build__isnull=False,
        )
        .order_by("name")
        .values_list("name", flat=True)
    )
    return [(name, requires.get(name, [])) for name in names]
