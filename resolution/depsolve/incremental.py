"""Incremental resolution: which packages a repo change may affect (DESIGN section 7).

When a new repo differs from the last resolved one by some added and removed binaries, a
package whose previous install set cannot be affected keeps it without a solver run.  A
package may be affected (and is re-resolved) when:
- a removed package is in its install set;
- an added package provides a capability that its BuildRequires, the build group, or any
  package of its install set requires (Recommends count as requires unless weak
  dependencies are ignored);
- an added package Supplements something in the install set (unless weak deps are
  ignored: then the solver does not act on Supplements);
- an added package conflicts with or obsoletes a capability provided in the install set
  (matched against provides, not names), or is itself obsoleted or conflicted by the
  install set.
The caller re-resolves on its own when the SRPM, the BuildRequires or the build group
changed.  A failed package has no install set; in its place it keeps the goal of its other
requirements' install set when the only problems are BuildRequires nothing provides, and
otherwise every package the solver may have considered (``Depsolver.candidates``); a
missing BuildRequire that an added package may now provide counts as affected too, and
Supplements are judged as *possible* over such sets (``touches_members(candidates=True)``).

Requirement-side checks compare capability *names* (a rich dependency counts with every
name in it), which can only say "affected" more often than an exact match, never less:
the result stays identical to a full re-resolution.  Provide-side checks use hawkey's
exact provides index.  ``ChangeImpact`` does the per-change work once (one pass over the
new sack's dependencies, ~0.15 s for 20k binaries) so that each package costs set tests;
``keyed`` restates it over database ids, so stored install sets need no translation.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Hashable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import hawkey

from resolution.depsolve.richdeps import (
    Atom,
    Node,
    Op,
    RichDepError,
    capability_names,
    holds,
    parse,
    possible,
)
from resolution.depsolve.richdeps import atoms as rich_atoms
from resolution.depsolve.sack import InstallSet, Nevra, Package, Sack


def _identity(package: Package) -> str:
    chksum = package.chksum
    return chksum[1].hex() if chksum else ""


def package_identities(sack: Sack) -> dict[Nevra, str]:
    """Each binary package's NEVRA and checksum (a rebuilt NEVRA counts as a change)."""
    return {Nevra.of(p): _identity(p) for p in hawkey.Query(sack) if p.arch != "src"}


@dataclass(frozen=True)
class RepoDiff:
    """The binary packages that appeared and disappeared between two repos."""

    added: frozenset[Nevra]
    removed: frozenset[Nevra]

    @classmethod
    def between(cls, old: Mapping[Nevra, str], new: Mapping[Nevra, str]) -> RepoDiff:
        """Compare two ``package_identities`` maps."""
        changed = {n for n in old.keys() & new.keys() if old[n] != new[n]}
        return cls(
            added=frozenset(new.keys() - old.keys() | changed),
            removed=frozenset(old.keys() - new.keys() | changed),
        )


def _by_identity(sack: Sack) -> dict[object, Package]:
    """The sack's binary packages by checksum (by NEVRA where the repodata has none)."""
    found: dict[object, Package] = {}
    for package in hawkey.Query(sack).filter(arch__neq="src"):
        chksum = package.chksum
        found[chksum[1] if chksum else Nevra.of(package)] = package
    return found


def diff_sacks(old: Sack, new: Sack) -> RepoDiff:
    """Added and removed binaries from sack ``old`` to sack ``new``.

    Packages are compared by checksum, so a rebuilt NEVRA is both removed and added, and
    only the packages that differ are looked at closer.
    """
    before, after = _by_identity(old), _by_identity(new)
    return RepoDiff(
        added=frozenset(Nevra.of(after[k]) for k in after.keys() - before.keys()),
        removed=frozenset(Nevra.of(before[k]) for k in before.keys() - after.keys()),
    )


def _names(deps: Iterable[object]) -> set[str]:
    return {name for dep in deps for name in capability_names(str(dep))}


def _names_one_of(dep: str, names: AbstractSet[str]) -> bool:
    """Whether the dependency string mentions one of ``names`` (a rich one: any part)."""
    if dep.startswith("("):
        return not names.isdisjoint(capability_names(dep))
    first = dep.split(None, 1)
    return bool(first) and first[0] in names


def dependents(sack: Sack, names: AbstractSet[str], kinds: Iterable[str]) -> set[Nevra]:
    """The sack's binary packages with a dependency of ``kinds`` that mentions one of
    ``names`` (one pass over the sack; a package stops at its first hit)."""
    kinds = tuple(kinds)
    found: set[Nevra] = set()
    if not names:
        return found
    for package in hawkey.Query(sack).filter(arch__neq="src"):
        if _mentions(package, kinds, names):
            found.add(Nevra.of(package))
    return found


def _mentions(package: Package, kinds: tuple[str, ...], names: AbstractSet[str]) -> bool:
    # ``_names_one_of`` inlined: this runs for every dependency of every package
    for kind in kinds:
        for dep in getattr(package, kind):
            text = str(dep)
            if text.startswith("("):
                if not names.isdisjoint(capability_names(text)):
                    return True
            else:
                first = text.split(None, 1)
                if first and first[0] in names:
                    return True
    return False


class ChangeImpact:
    """What a repo change can touch, precomputed against the new sack."""

    def __init__(self, sack_new: Sack, diff: RepoDiff, *, ignore_weak_deps: bool = False) -> None:
        self.sack = sack_new
        self.diff = diff
        self.ignore_weak_deps = ignore_weak_deps
        names = sorted({n.name for n in diff.added})
        candidates = hawkey.Query(sack_new).filter(name=names, arch__neq="src") if names else []
        added = [p for p in candidates if Nevra.of(p) in diff.added]
        provided = _names(d for p in added for d in p.provides)
        #: every capability an added package brings, file paths included
        self.capabilities = frozenset(provided | {f for p in added for f in p.files})
        kinds = ["requires", "conflicts", "obsoletes"]
        if not ignore_weak_deps:
            kinds.append("recommends")
        hot: set[Nevra] = set(diff.removed)
        hot |= dependents(sack_new, self.capabilities, kinds)
        hot |= self._providers(d for p in added for d in (*p.conflicts, *p.obsoletes))
        #: the added packages' rich Supplements, and the providers of every atom in them
        self.supplements: list[Node] = []
        self.atom_providers: dict[Atom, frozenset[Hashable]] = {}
        if not ignore_weak_deps:
            hot |= self._add_supplements(str(d) for p in added for d in p.supplements)
        #: install-set members that make a package "may be affected"
        self.hot: frozenset[Hashable] = frozenset(hot)
        self._touched_memo: dict[str, bool] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the sack, which only the construction uses (so an impact can be
        pickled for the other processes of a host)."""
        state = self.__dict__.copy()
        state["sack"] = None
        return state

    def _add_supplements(self, deps: Iterable[str]) -> set[Nevra]:
        """Keep rich Supplements for evaluation per install set; return plain ones' providers."""
        plain: list[str] = []
        for dep in deps:
            try:
                tree = parse(dep)
            except RichDepError:
                tree = None
            if isinstance(tree, Op):
                for atom in rich_atoms(tree):
                    self.atom_providers[atom] = frozenset(self._providers([atom.text]))
                self.supplements.append(tree)
            else:  # a plain capability, or (unparsable) every name in it
                plain += capability_names(dep)
        return self._providers(plain)

    def _providers(self, deps: Iterable[object]) -> set[Nevra]:
        """Packages providing any of ``deps``, exactly; a rich dependency by each name in it."""
        reldeps: list[object] = []
        for dep in deps:
            text = str(dep)
            if text.startswith("("):
                reldeps += (hawkey.Reldep(self.sack, n) for n in capability_names(text))
            else:
                reldeps.append(hawkey.Reldep(self.sack, text) if isinstance(dep, str) else dep)
        if not reldeps:
            return set()
        return {Nevra.of(p) for p in hawkey.Query(self.sack).filter(provides=reldeps)}

    def keyed(self, keys: Mapping[Any, Hashable]) -> ChangeImpact:
        """The same impact over install sets of other member keys (database ids, say).

        A package without a key belongs to no install set given in those keys, so it can
        be left out of every member test without changing an answer.
        """
        clone = copy.copy(self)
        clone.hot = frozenset(keys[n] for n in self.hot if n in keys)
        clone.atom_providers = {
            atom: frozenset(keys[n] for n in providers if n in keys)
            for atom, providers in self.atom_providers.items()
        }
        for cached in ("_supplement_atoms", "_supplement_trees"):  # of the original's keys
            clone.__dict__.pop(cached, None)
        return clone

    def may_affect(
        self,
        install_set: InstallSet | AbstractSet[Hashable],
        build_requires: Iterable[str],
        build_group: Iterable[str],
    ) -> bool:
        """True when the package must be re-resolved; False: its install set still holds."""
        if self.touches_members(install_set):
            return True
        if self.touched(tuple(build_group)):  # the same for most packages: memoized
            return True
        return bool(self.touched(build_requires))

    def touches_members(self, members: Iterable[Hashable], *, candidates: bool = False) -> bool:
        """Whether the change may touch an install set through its members: a member was
        removed, requires (or conflicts with) what an added package brings, is obsoleted
        or conflicted by one, or is supplemented by one.

        ``candidates``: the members are every package a failed goal may have considered
        (a superset of any install set), so a rich Supplements counts when it is
        *possible* over them (libsolv's test for pulling a package in) rather than when
        it holds.
        """
        if not self.hot.isdisjoint(members):
            return True
        if self.supplements:
            present = members if isinstance(members, AbstractSet) else frozenset(members)
            if candidates:
                return self._supplements_possible(present)
            return self._supplements_hold(present)
        return False

    @property
    def relevant_members(self) -> frozenset[Hashable]:
        """The members ``touches_members`` looks at: the answer for an install set is the
        same as for its intersection with these (so a caller may cut it down first)."""
        return self.hot | self._supplement_atoms

    def touched(self, deps: Iterable[str]) -> frozenset[str]:
        """Those of ``deps`` (BuildRequires, build group entries) that name a capability an
        added package provides: the solver may pick something else for them now."""
        memo = self._touched_memo
        found = []
        for dep in deps:
            hit = memo.get(dep)
            if hit is None:
                hit = memo[dep] = _names_one_of(dep, self.capabilities)
            if hit:
                found.append(dep)
        return frozenset(found)

    def _supplements_hold(self, members: AbstractSet[Hashable]) -> bool:
        if self._supplement_atoms.isdisjoint(members):
            return self._supplements_hold_on_nothing

        def present(atom: Atom) -> bool:
            return not self.atom_providers[atom].isdisjoint(members)

        # a tree none of whose atoms is present holds as it does on nothing
        return any(
            on_nothing if named.isdisjoint(members) else holds(tree, present)
            for tree, named, on_nothing in self._supplement_trees
        )

    def _supplements_possible(self, members: AbstractSet[Hashable]) -> bool:
        def present(atom: Atom) -> bool:
            return not self.atom_providers[atom].isdisjoint(members)

        return any(possible(tree, present) for tree in self.supplements)

    @functools.cached_property
    def _supplement_atoms(self) -> frozenset[Hashable]:
        return frozenset().union(*self.atom_providers.values())

    @functools.cached_property
    def _supplement_trees(self) -> list[tuple[Node, frozenset[Hashable], bool]]:
        """Each rich Supplements, the members its atoms name, and whether it holds on none."""
        return [
            (
                tree,
                frozenset().union(*(self.atom_providers[atom] for atom in rich_atoms(tree))),
                holds(tree, lambda _atom: False),
            )
            for tree in self.supplements
        ]

    @functools.cached_property
    def _supplements_hold_on_nothing(self) -> bool:
        # "(a if b)" holds without a and b (libsolv semantics), so this is not always False
        return any(holds(tree, lambda _atom: False) for tree in self.supplements)


_last_impact: list[tuple[tuple[int, int, int, bool], ChangeImpact]] = []


def may_be_affected(
    install_set: InstallSet | AbstractSet[Nevra],
    build_requires: Iterable[str],
    build_group: Iterable[str],
    added: frozenset[Nevra],
    removed: frozenset[Nevra],
    sack_new: Sack,
    ignore_weak_deps: bool = False,
) -> bool:
    """``ChangeImpact(...).may_affect(...)`` for one package.

    The precomputation is reused while the same ``added``/``removed``/``sack_new``
    objects are passed; code that checks many packages should hold a ChangeImpact itself.
    """
    key = (id(sack_new), id(added), id(removed), ignore_weak_deps)
    if _last_impact and _last_impact[0][0] == key:
        impact = _last_impact[0][1]
    else:
        impact = ChangeImpact(sack_new, RepoDiff(added, removed), ignore_weak_deps=ignore_weak_deps)
        _last_impact[:] = [(key, impact)]
    return impact.may_affect(install_set, build_requires, build_group)
