"""Generator profiles: the default one has a real distribution's shape, the old one stays.

Shapes are measured the way the resolution bench does: one goal per source on the
generated repo (BuildRequires plus the build group), install-set sizes, and each
installed package's distance from the BuildRequires.  Sizes are small, so the bands
are those of a small distribution with the full-size core (the core is capped, not
proportional, in the default profile).
"""

from __future__ import annotations

import gzip
import json
import statistics
from dataclasses import dataclass
from pathlib import Path

import pytest

from kojisim.generate import main
from kojisim.generator.profiles import DEFAULT_PROFILE, EXPENSIVE, FEDORA, profile_named
from resolution.depsolve import Depsolver
from tests.kojisim.test_generate import load_sack

SOURCES, SEED = 1500, 5


@dataclass(frozen=True)
class Shape:
    """Install-set sizes and dependency distances of every resolved source."""

    sizes: list[int]
    deepest: list[int]  # the largest distance in each install set
    distances: list[int]  # every installed package's distance (reached ones)
    manifest: dict[str, object]

    def quantile(self, values: list[int], share: float) -> int:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(out: Path) -> Shape:
    with gzip.open(out / "sources.json.gz", "rt") as handle:
        sources = json.load(handle)
    solver = Depsolver(load_sack(out))
    group = sources["build_group"]
    sizes, deepest, distances = [], [], []
    for source in sources["packages"]:
        resolution = solver.resolve(source["build_requires"], group)
        if not resolution.resolved or resolution.dependencies is None:
            continue
        sizes.append(len(resolution.dependencies))
        reached = [dep.distance for dep in resolution.dependencies if dep.distance is not None]
        distances += reached
        deepest.append(max(reached, default=0))
    manifest = json.loads((out / "manifest.json").read_text())
    return Shape(sizes, deepest, distances, manifest)


def generate(out: Path, *extra: str) -> Path:
    assert main([str(out), "--sources", str(SOURCES), "--seed", str(SEED), *extra]) == 0
    return out


@pytest.fixture(scope="module")
def fedora(tmp_path_factory: pytest.TempPathFactory) -> Shape:
    return measure(generate(tmp_path_factory.mktemp("fedora") / "dist"))


@pytest.fixture(scope="module")
def expensive(tmp_path_factory: pytest.TempPathFactory) -> Shape:
    out = tmp_path_factory.mktemp("expensive") / "dist"
    return measure(generate(out, "--profile", "expensive"))


def test_the_default_profile_is_the_calibrated_one_and_the_manifest_names_it(fedora, expensive):
    assert DEFAULT_PROFILE == FEDORA.name == fedora.manifest["profile"]
    assert expensive.manifest["profile"] == EXPENSIVE.name
    assert profile_named("expensive") is EXPENSIVE
    with pytest.raises(KeyError, match="known: fedora, expensive"):
        profile_named("debian")


def test_default_buildroots_hold_a_real_core_and_a_tail(fedora):
    # a real buildroot starts near 150 binaries; the mean is ~200 at full size, less here
    # where the deep stacks are short
    assert len(fedora.sizes) >= SOURCES * 0.95
    assert 140 <= min(fedora.sizes) <= 170
    assert 150 <= statistics.mean(fedora.sizes) <= 260
    assert fedora.quantile(fedora.sizes, 0.95) >= statistics.median(fedora.sizes) + 15
    assert max(fedora.sizes) >= 1.25 * statistics.median(fedora.sizes)


def test_default_distances_mostly_within_six_some_deeper(fedora):
    within_six = sum(distance <= 6 for distance in fedora.distances) / len(fedora.distances)
    assert within_six >= 0.8
    deeper = sum(depth > 6 for depth in fedora.deepest) / len(fedora.deepest)
    assert 0.03 <= deeper <= 0.6
    assert max(fedora.deepest) >= 9


def test_expensive_profile_keeps_the_old_small_core_at_this_size(fedora, expensive):
    # the old core is 0.4% of the sources (at least the 17 essentials): tiny buildroots
    # here, 170 binaries of build group at 30,000 sources
    assert statistics.mean(expensive.sizes) < 80 < statistics.mean(fedora.sizes)
    assert max(expensive.deepest) <= 8


def test_core_size_follows_the_profile():
    assert FEDORA.core_sources(30000, 17) == 105 == FEDORA.core_sources(1500, 17)
    assert FEDORA.core_sources(200, 17) == 25
    assert EXPENSIVE.core_sources(30000, 17) == 120
    assert EXPENSIVE.core_sources(1500, 17) == 17
