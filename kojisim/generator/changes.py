"""The updated snapshot: a seeded set of changes touching exactly K binary packages.

A binary counts as changed when its name appears in only one snapshot or its EVR
differs. Every change of an existing source is a rebuild (new release, or new version),
so all binaries of that source change, as in Koji; a rename adds the new name and
drops the old. Each kind gets a share of K by weight; whatever a kind cannot spend
exactly is filled with additions of new sources, whose size can always be chosen.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .model import Binary, Distribution, Source

if TYPE_CHECKING:
    from .distro import DistroBuilder

CHANGE_KINDS = ("leaf", "core", "add", "remove", "weak", "conflict", "obsolete")
DEFAULT_MIX = {
    "leaf": 40.0,
    "core": 5.0,
    "add": 15.0,
    "remove": 10.0,
    "weak": 15.0,
    "conflict": 8.0,
    "obsolete": 7.0,
}
RENAMES = (("-tools", "-utils"), ("-doc", "-docs"), ("-data", "-common"))


@dataclass(slots=True)
class Change:
    """One change: which source, from which build to which, how many binaries, and what."""

    kind: str
    source: str
    old: str | None
    new: str | None
    binaries: int
    detail: str
    facts: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """One human line."""
        return f"{self.old or '(new)'} -> {self.new or '(removed)'}: {self.detail}"

    def as_json(self) -> dict[str, object]:
        """The manifest entry."""
        return {
            "kind": self.kind,
            "source": self.source,
            "old": self.old,
            "new": self.new,
            "binaries": self.binaries,
            "detail": self.detail,
            "facts": self.facts,
        }


@dataclass(slots=True)
class ChangeSet:
    """Every change of one updated snapshot, in the order they were made."""

    changes: list[Change] = field(default_factory=list)
    breaking: list[str] = field(default_factory=list)

    @property
    def changed_binaries(self) -> int:
        """How many binaries differ between the snapshots."""
        return sum(change.binaries for change in self.changes)

    def as_json(self) -> list[dict[str, object]]:
        """The manifest list of changes."""
        return [change.as_json() for change in self.changes]


def bump_release(release: str) -> str:
    """The next release: "3.fc40" -> "4.fc40"."""
    number, dot, tag = release.partition(".")
    return f"{int(number) + 1}{dot}{tag}" if number.isdigit() else f"{release}.1"


def bump_version(version: str) -> str:
    """The next patch version: "2.14.3" -> "2.14.4", "1.2" -> "1.3"."""
    parts = version.split(".")
    last = parts[-1]
    parts[-1] = str(int(last) + 1) if last.isdigit() else f"{last}.1"
    return ".".join(parts)


class _Updater:
    """Applies changes of each kind within a budget of changed binaries."""

    def __init__(self, builder: DistroBuilder, dist: Distribution, seed: int) -> None:
        self.builder, self.dist = builder, dist
        self.rng = random.Random(f"kojisim-generate:{seed}:changes")
        builder.rng = builder.names.rng = self.rng  # additions draw from the change stream
        self.touched: set[str] = set()
        self.removed: set[str] = set()
        self.pulled: set[str] = set()  # libraries core updates now pull into every buildroot
        self.result = ChangeSet()
        self.dist_tag = dist.dist_tag

    def candidates(self, accept: Callable[[Source], bool]) -> list[Source]:
        """Untouched sources passing ``accept``, in a seeded random order."""
        found = [s for s in self.dist.sources if s.name not in self.touched and accept(s)]
        self.rng.shuffle(found)
        return found

    def spend(
        self, kind: str, budget: int, pool: list[Source], size: Callable[[Source], int]
    ) -> int:
        """Apply ``kind`` to sources from ``pool`` while their sizes fit the budget."""
        spent = 0
        apply = getattr(self, f"_{kind}")
        for source in pool:
            if spent == budget:
                break
            cost = size(source)
            if cost <= budget - spent:
                self.touched.add(source.name)
                spent += apply(source)
        return spent

    def record(
        self, kind: str, source: Source, old: str | None, count: int, detail: str, **facts: str
    ) -> int:
        """Note a change; ``facts`` name the binaries and dependencies it touched."""
        new = source.nvr if source.name not in self.removed else None
        self.result.changes.append(Change(kind, source.name, old, new, count, detail, facts))
        return count

    def rebuild(self, source: Source, new_version: bool) -> str:
        old = source.nvr
        if new_version:
            source.rebuild(bump_version(source.version), f"1.{self.dist_tag}")
        else:
            source.rebuild(source.version, bump_release(source.release))
        return old

    def _leaf(self, source: Source) -> int:
        old = self.rebuild(source, new_version=True)
        return self.record("leaf", source, old, len(source.binaries), "new upstream version")

    def _core(self, source: Source) -> int:
        old = self.rebuild(source, new_version=True)
        detail = "new upstream version in every buildroot"
        middle = [lib for lib in self.builder.libraries.items if lib.layer == 1 and lib.soname]
        if middle and self.rng.random() < 0.35:
            lib = self.rng.choice(middle)
            source.binaries[0].requires.append(f"{lib.soname}()(64bit)")
            lib.required = True
            self.pulled.add(lib.name)
            detail += f", now also requiring {lib.main}"
            return self.record(
                "core",
                source,
                old,
                len(source.binaries),
                detail,
                binary=source.main,
                pulls=lib.main,
            )
        return self.record("core", source, old, len(source.binaries), detail, binary=source.main)

    def _weak(self, source: Source) -> int:
        old = self.rebuild(source, new_version=False)
        main, rng = source.binaries[0], self.rng
        flavour = rng.randrange(3)
        if flavour == 0 and (main.recommends or main.suggests):
            field_name = "recommends" if main.recommends else "suggests"
            dep = getattr(main, field_name).pop()
            facts = {"binary": main.name, "field": field_name, "dropped": dep}
            detail = f"{main.name} drops {field_name} {dep}"
        elif flavour == 1 and source.links and source.layer == self.builder.top_layer:
            host = rng.choice(source.links).main
            main.supplements.append(host)
            facts = {"binary": main.name, "field": "supplements", "added": host}
            detail = f"{main.name} now Supplements {host}"
        else:
            target = rng.choice(self.builder.libraries.items).main
            main.recommends.append(target)
            facts = {"binary": main.name, "field": "recommends", "added": target}
            detail = f"{main.name} now Recommends {target}"
        return self.record("weak", source, old, len(source.binaries), detail, **facts)

    def _conflict(self, source: Source) -> int:
        old = self.rebuild(source, new_version=False)
        main, target = source.binaries[0], source.links[0]
        breaking = sum(c.kind == "conflict" for c in self.result.changes) % 3 == 1
        if breaking:
            bound = target.at_least(str(int(target.version.split(".")[0]) + 1))
            self.result.breaking.append(main.name)
            detail = f"{main.name} Conflicts {target.main} < {bound}, which the repo has: breaks it"
        else:
            bound = target.at_least(target.version.split(".")[0])
            detail = f"{main.name} Conflicts {target.main} < {bound} (older builds only)"
        conflict = f"{target.main} < {bound}"
        main.conflicts.append(conflict)
        facts = {"binary": main.name, "conflict": conflict, "breaking": str(breaking).lower()}
        return self.record("conflict", source, old, len(source.binaries), detail, **facts)

    def _obsolete(self, source: Source) -> int:
        old = self.rebuild(source, new_version=False)
        binary, new_name = _renamable(source, self.builder.names.taken)
        old_name = binary.name
        binary.name = new_name
        binary.provides.append(f"{old_name} = {source.evr}")
        binary.obsoletes.append(f"{old_name} < {source.evr}")
        self.builder.names.taken.add(new_name)
        self.builder.binary_owner[new_name] = self.builder.binary_owner.pop(old_name)
        for path in binary.files:
            if self.builder.tool_owner.get(path) == old_name:
                self.builder.tool_owner[path] = new_name
        detail = f"{old_name} renamed to {new_name} (Obsoletes/Provides {old_name})"
        facts = {"binary": new_name, "replaces": old_name}
        return self.record("obsolete", source, old, len(source.binaries) + 1, detail, **facts)

    def _remove(self, source: Source) -> int:
        self.removed.add(source.name)
        self.dist.sources.remove(source)
        self.dist.unresolvable.pop(source.name, None)
        for binary in source.binaries:
            self.builder.binary_owner.pop(binary.name, None)
        for pool in (self.builder.tools, self.builder.pythons, self.builder.perls):
            if source in pool.items:
                pool.items.remove(source)
                pool.freeze()
        return self.record("remove", source, source.nvr, len(source.binaries), "retired")

    def add(self, budget: int) -> int:
        """New leaf sources whose binary counts add up to ``budget`` exactly."""
        builder, spent = self.builder, 0
        while spent < budget:
            count = min(budget - spent, self.rng.choice((1, 1, 2, 2, 3, 4, 5)))
            kind = "perl" if count == 1 and self.rng.random() < 0.3 else "application"
            source = builder.new_source(builder.top_layer, kind, count)
            del source.binaries[count:]
            builder.add(source)
            self.touched.add(source.name)
            spent += self.record("add", source, None, len(source.binaries), f"new {kind}")
        return spent


def _renamable(source: Source, taken: set[str]) -> tuple[Binary, str]:
    for binary in source.binaries:
        for suffix, replacement in RENAMES:
            if binary.name.endswith(suffix):
                new = binary.name[: -len(suffix)] + replacement
                if new not in taken:
                    return binary, new
    raise LookupError(source.name)


def _can_rename(source: Source, taken: set[str]) -> bool:
    try:
        _renamable(source, taken)
    except LookupError:
        return False
    return True


def shares(total: int, mix: dict[str, float]) -> dict[str, int]:
    """Split ``total`` by weight into whole numbers that add up to it exactly."""
    weight = sum(mix.values())
    raw = {kind: total * mix.get(kind, 0.0) / weight for kind in CHANGE_KINDS}
    result = {kind: int(value) for kind, value in raw.items()}
    order = sorted(CHANGE_KINDS, key=lambda kind: raw[kind] - result[kind], reverse=True)
    for kind in order[: total - sum(result.values())]:
        result[kind] += 1
    return result


def apply_changes(
    builder: DistroBuilder, dist: Distribution, changed: int, mix: dict[str, float], seed: int
) -> ChangeSet:
    """Turn ``dist`` into the updated snapshot in place and say what changed."""
    if changed <= 0:
        raise ValueError("--changed must be positive")
    updater = _Updater(builder, dist, seed)
    budget = shares(changed, mix)
    top, taken = builder.top_layer, builder.names.taken
    plans: list[tuple[str, Callable[[Source], bool], Callable[[Source], int]]] = [
        ("core", lambda s: s.layer == 0 and bool(s.soname), _size),
        ("obsolete", lambda s: s.layer > 0 and _can_rename(s, taken), lambda s: _size(s) + 1),
        ("conflict", _conflict_candidate(updater), _size),
        ("weak", lambda s: s.layer > 0 and s.kind != "alternative", _size),
        ("leaf", lambda s: s.layer == top and s.kind != "alternative", _size),
        ("remove", lambda s: s.layer == top and not s.required and s.kind != "library", _size),
    ]
    spent = 0
    for kind, accept, size in plans:
        if budget[kind]:
            spent += updater.spend(kind, budget[kind], updater.candidates(accept), size)
    updater.add(changed - spent)
    return updater.result


def _size(source: Source) -> int:
    return len(source.binaries)


def _conflict_candidate(updater: _Updater) -> Callable[[Source], bool]:
    # Rarely linked libraries only, and none a core update now pulls into every buildroot:
    # a breaking conflict should fail a few packages, not the whole distribution.
    def accept(source: Source) -> bool:
        return (
            source.layer > 0
            and source.kind == "library"
            and bool(source.links)
            and source.weight < 2.0
            and source.name not in updater.pulled
        )

    return accept
