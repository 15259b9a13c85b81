"""The data set: a repo directory in the kojisim format, generated and cached when not given.

Generated data lives under ``bench/out/data/<key>/`` keyed by every generator argument, so
a rerun with the same size, seed, profile and change skips generation.  A directory appears there
only by renaming a complete generation, so an interrupted run never leaves half a data set.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.resolution.report import BenchError, note
from kojisim.generator.profiles import DEFAULT_PROFILE

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
_PACKAGES_ATTR = re.compile(rb'<metadata[^>]*\bpackages="(\d+)"')


@dataclass(frozen=True)
class DataSet:
    """Snapshot A (ingested and fully resolved) and optionally B (the incremental step)."""

    base: Path
    updated: Path | None
    generated: bool


@dataclass(frozen=True)
class GeneratorArgs:
    """The generator's arguments that decide its output."""

    sources: int
    seed: int
    changed: int
    change_mix: str
    profile: str = DEFAULT_PROFILE

    @property
    def key(self) -> str:
        mix = re.sub(r"[^A-Za-z0-9=.]+", "_", self.change_mix) or "default"
        return f"s{self.sources}-seed{self.seed}-{self.profile}-c{self.changed}-{mix}"


def generated(args: GeneratorArgs, timeout: float) -> DataSet:
    """The generator's distribution (and updated snapshot), generated once per key; a run
    generating the same key meanwhile is waited for (file lock)."""
    (OUT / "data").mkdir(parents=True, exist_ok=True)
    with open(OUT / "data" / f".{args.key}.lock", "ab") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _generate_once(args, timeout)


def _generate_once(args: GeneratorArgs, timeout: float) -> DataSet:
    target = OUT / "data" / args.key
    base, updated = target / "base", target / "base-updated"
    if (base / "repodata" / "repomd.xml").exists() and (
        args.changed == 0 or (updated / "repodata" / "repomd.xml").exists()
    ):
        note(f"using generated data in {target}")
        return DataSet(base, updated if args.changed else None, generated=True)
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    cmd = [sys.executable, "-m", "kojisim.generate", str(staging / "base")]
    cmd += ["--sources", str(args.sources), "--seed", str(args.seed), "--profile", args.profile]
    if args.changed:
        cmd += ["--changed", str(args.changed)]
        if args.change_mix:
            cmd += ["--change-mix", args.change_mix]
    note(f"generating {args.sources} sources ({args.profile} profile) into {target}")
    started = time.monotonic()
    try:
        subprocess.run(  # noqa: S603
            cmd, cwd=ROOT, check=True, timeout=timeout, stdout=sys.stderr, stderr=sys.stderr
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BenchError(f"the generator failed: {exc}") from None
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    note(f"generated in {time.monotonic() - started:.1f} s")
    return DataSet(base, updated if args.changed else None, generated=True)


def given(repo: Path, snapshot_b: Path | None) -> DataSet:
    """A data set named on the command line; both directories must be in kojisim format."""
    for path in (repo, snapshot_b):
        if path is not None and not (path / "repodata" / "repomd.xml").exists():
            raise BenchError(f"{path}: no repodata/repomd.xml (not a kojisim repo directory)")
    return DataSet(repo.resolve(), snapshot_b.resolve() if snapshot_b else None, generated=False)


def read_sources(path: Path) -> dict[str, Any]:
    """``sources.json.gz`` (or ``sources.json``) of a repo directory."""
    for name in ("sources.json.gz", "sources.json"):
        candidate = path / name
        if candidate.exists():
            opener: Any = gzip.open if name.endswith(".gz") else open
            with opener(candidate, "rt") as handle:
                data = json.load(handle)
            if isinstance(data, dict):
                return data
            raise BenchError(f"{candidate}: expected a mapping")
    raise BenchError(f"{path}: no sources.json.gz or sources.json")


def count_binaries(path: Path) -> int | None:
    """Packages in the directory's primary metadata (its ``packages=`` attribute)."""
    for primary in (path / "repodata").glob("*primary.xml*"):
        opener: Any = gzip.open if primary.name.endswith(".gz") else open
        with opener(primary, "rb") as handle:
            match = _PACKAGES_ATTR.search(handle.read(4096))
        if match:
            return int(match.group(1))
    return None


def size_mb(path: Path) -> float:
    """Size of a directory's repodata, symlinks followed, in MiB."""
    total = sum(p.stat().st_size for p in (path / "repodata").iterdir() if p.is_file())
    return round(total / 2**20, 1)


def changed_binaries(updated: Path) -> int | None:
    """How many binaries the generator changed (from its manifest), when it says."""
    manifest = updated / "manifest.json"
    if not manifest.exists():
        return None
    value = json.loads(manifest.read_text()).get("changed_binaries")
    return int(value) if value is not None else None
