"""Generate a synthetic RPM distribution in kojisim's directory format.

    python -m kojisim.generate OUT --sources 30000 --seed 1 [--changed 500] [--profile NAME]

writes OUT/repodata/ (a yum repo with comps), OUT/sources.json.gz and OUT/manifest.json;
with --changed K also an updated snapshot (OUT-updated/ or --updated-out) that differs
from the base by exactly K binary packages. The same arguments always give identical
output. ``--profile`` chooses the shape (kojisim/generator/profiles.py): ``fedora``, the
default, is calibrated on a real distribution; ``expensive`` is the first generator's
shape, whose goals cost libsolv over twice as much. The model lives in
kojisim/generator/; this module is the command line.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from kojisim.generator.changes import CHANGE_KINDS, DEFAULT_MIX, ChangeSet, apply_changes
from kojisim.generator.distro import MINIMUM_SOURCES, Settings, build_distribution
from kojisim.generator.model import NOARCH, Distribution
from kojisim.generator.profiles import DEFAULT_PROFILE, PROFILES
from kojisim.generator.writer import write_snapshot


def parse_mix(text: str) -> dict[str, float]:
    """Parse "leaf=40,core=5,..." into change-kind weights."""
    mix: dict[str, float] = {}
    for item in filter(None, text.split(",")):
        kind, sep, weight = item.partition("=")
        if not sep or kind not in CHANGE_KINDS:
            kinds = ", ".join(CHANGE_KINDS)
            raise argparse.ArgumentTypeError(
                f"bad change {item!r}; expected KIND=WEIGHT, KIND in {kinds}"
            )
        try:
            mix[kind] = float(weight)
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad weight in {item!r}") from None
        if mix[kind] < 0:
            raise argparse.ArgumentTypeError(f"negative weight in {item!r}")
    if not any(mix.values()):
        raise argparse.ArgumentTypeError("the change mix needs a positive weight")
    return mix


def parser() -> argparse.ArgumentParser:
    """The command line of the generator."""
    p = argparse.ArgumentParser(
        prog="python -m kojisim.generate",
        description="Generate a synthetic RPM distribution in kojisim's directory format.",
    )
    p.add_argument("out", type=Path, help="output directory (created; repodata is replaced)")
    p.add_argument(
        "--sources", type=int, default=200, help="number of source packages (default 200)"
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=DEFAULT_PROFILE,
        help=f"shape of the distribution (default {DEFAULT_PROFILE}; see "
        "kojisim/generator/profiles.py)",
    )
    p.add_argument(
        "--unresolvable-rate",
        type=float,
        default=0.005,
        help="share of sources made unresolvable on purpose, per kind of breakage; at least "
        "one of each when positive (default 0.005)",
    )
    p.add_argument("--dist-tag", default="fc40", help="release suffix (default fc40)")
    p.add_argument(
        "--changed",
        type=int,
        default=0,
        metavar="K",
        help="write an updated snapshot with K changed binaries",
    )
    p.add_argument(
        "--updated-out", type=Path, help="where the updated snapshot goes (default OUT-updated)"
    )
    p.add_argument("--updated-seed", type=int, help="seed of the changes (default: --seed)")
    p.add_argument(
        "--change-mix",
        type=parse_mix,
        default=DEFAULT_MIX,
        metavar="KIND=W,...",
        help="relative weights of the kinds of change (default "
        + ",".join(f"{kind}={weight:g}" for kind, weight in DEFAULT_MIX.items())
        + "); a share a kind cannot spend exactly goes to additions",
    )
    return p


def describe(dist: Distribution) -> dict[str, int]:
    """Counts of what a snapshot holds, for the manifest and the summary."""
    binaries = [binary for source in dist.sources for binary in source.binaries]
    return {
        "sources": len(dist.sources),
        "binaries": len(binaries),
        "noarch": sum(binary.arch == NOARCH for binary in binaries),
        "build_group": len(dist.build_group),
        "unresolvable": len(dist.unresolvable),
        "epochs": sum(source.epoch > 0 for source in dist.sources),
        "rich_requires": sum(dep.startswith("(") for b in binaries for dep in b.requires),
        "rich_build_requires": sum(
            dep.startswith("(") for s in dist.sources for dep in s.build_requires
        ),
        "file_build_requires": sum(
            dep.startswith("/") for s in dist.sources for dep in s.build_requires
        ),
        "recommends": sum(len(b.recommends) for b in binaries),
        "suggests": sum(len(b.suggests) for b in binaries),
        "supplements": sum(len(b.supplements) for b in binaries),
        "enhances": sum(len(b.enhances) for b in binaries),
        "conflicts": sum(len(b.conflicts) for b in binaries),
        "obsoletes": sum(len(b.obsoletes) for b in binaries),
    }


def manifest(dist: Distribution, args: argparse.Namespace, revision: str) -> dict[str, object]:
    """The manifest of a snapshot: arguments, counts and the deliberate breakage."""
    return {
        "generator": "kojisim.generate",
        "seed": args.seed,
        "profile": args.profile,
        "requested_sources": args.sources,
        "unresolvable_rate": args.unresolvable_rate,
        "revision": revision,
        "counts": describe(dist),
        "unresolvable": dict(sorted(dist.unresolvable.items())),
    }


def peak_memory_mb() -> int:
    """Peak resident memory of this process, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def print_base(dist: Distribution, out: Path, seconds: float) -> None:
    """One line about the base snapshot."""
    counts = describe(dist)
    print(
        f"base: {counts['sources']} sources, {counts['binaries']} binaries "
        f"({counts['noarch']} noarch), build group {counts['build_group']} names, "
        f"{counts['unresolvable']} unresolvable on purpose -> {out} ({seconds:.1f} s)"
    )


def print_changes(changes: ChangeSet, out: Path) -> None:
    """What the updated snapshot changed, by kind, with a few examples each."""
    print(f"updated: {changes.changed_binaries} changed binaries -> {out}")
    for kind in CHANGE_KINDS:
        items = [change for change in changes.changes if change.kind == kind]
        if items:
            binaries = sum(change.binaries for change in items)
            print(f"  {kind}: {binaries} binaries in {len(items)} changes")
            for change in items[:3]:
                print(f"    {change.describe()}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse and check the arguments; bad ones exit with status 2 and a one-line reason."""
    p = parser()
    args = p.parse_args(argv)
    if args.sources < MINIMUM_SOURCES:
        p.error(f"--sources must be at least {MINIMUM_SOURCES}")
    if args.changed < 0:
        p.error("--changed must not be negative")
    if not 0 <= args.unresolvable_rate <= 0.5:
        p.error("--unresolvable-rate must be between 0 and 0.5")
    if args.updated_out and args.updated_out.resolve() == args.out.resolve():
        p.error("--updated-out must differ from OUT")
    if not args.dist_tag.replace("_", "").isalnum():
        p.error("--dist-tag must be letters, digits and underscores")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the base snapshot and, when asked, the updated one."""
    args = parse_args(argv)
    started = time.monotonic()
    profile = PROFILES[args.profile]
    settings = Settings(args.sources, args.seed, args.unresolvable_rate, args.dist_tag, profile)
    dist, builder = build_distribution(settings)
    write_snapshot(dist, args.out, manifest(dist, args, revision=f"{args.seed}"))
    print_base(dist, args.out, time.monotonic() - started)
    if args.changed:
        updated_out = args.updated_out or args.out.with_name(args.out.name + "-updated")
        seed = args.seed if args.updated_seed is None else args.updated_seed
        changes = apply_changes(builder, dist, args.changed, args.change_mix, seed)
        document = manifest(dist, args, revision=f"{args.seed}.{seed}.{args.changed}")
        document["changes"] = changes.as_json()
        document["changed_binaries"] = changes.changed_binaries
        # Sources that need these binaries also become unresolvable; finding which takes
        # a solver, so the manifest names the binaries only.
        document["uninstallable_binaries"] = changes.breaking
        write_snapshot(dist, updated_out, document)
        print_changes(changes, updated_out)
    print(f"done in {time.monotonic() - started:.1f} s, peak memory {peak_memory_mb()} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
