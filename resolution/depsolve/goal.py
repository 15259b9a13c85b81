"""The depsolve core: upstream's ``run_goal`` exactly, and exact dependency distances.

``run_goal`` builds the same hawkey goal as upstream Koschei (spec section 3.4): every
build group entry and BuildRequire becomes a selector by ``provides``, or by ``file`` when
nothing provides it and it is a path; unmatched group entries are skipped silently,
unmatched BuildRequires are problems ("No package found for: X") unless they are rich
dependencies ("(...)").  libsolv problems are rendered "Problem: <first>\\n - <rest>...".

Distances are shortest paths over the *resolved* install set (DESIGN section 7): the
installed packages that satisfy a BuildRequire are at 1; a package is at d+1 when an
installed package at d requires a capability it provides.  Packages reached from no
BuildRequire (the build group's own closure) have no distance.  Weak dependencies are
edges only when the goal honoured them (``ignore_weak_deps`` off): a Recommends is an edge
to the installed providers of the recommended capability, and a Supplements is a reverse
edge (X supplements Y: X was pulled in by Y, so Y -> X).  Both ends must be installed, as
with hard requires.

A ``Depsolver`` serves many packages of one sack: it memoizes selectors and matches per
BuildRequire string, and its ``ProviderGraph`` (``resolution.depsolve.graph``) keeps each
binary's providers as solvable ids, so the breadth-first search is one compiled call per
install set (install sets overlap heavily: the build group is in all of them).  It also
remembers its last resolutions by their inputs, so that packages with the same
BuildRequires share one goal.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import hawkey
import numpy as np

from resolution.depsolve.graph import ProviderGraph, package_ids
from resolution.depsolve.richdeps import RichDepError, capability_names, parse, possible
from resolution.depsolve.sack import InstallSet, Nevra, Package, Sack, SackIndex, solvable_span

log = logging.getLogger(__name__)

_Providers = frozenset[Package]
#: what decides a goal besides the sack: BuildRequires and build group, in order
_Inputs = tuple[tuple[str, ...], tuple[str, ...]]
#: characters that make hawkey match a file dependency as a glob
_GLOB = frozenset("*?[")
#: below this many new path dependencies, hawkey's own file search is cheaper than a pass
FILE_INDEX_MIN_PATHS = 32
#: below this many resolved goals in a batch, a solver without a sack index lists their
#: install sets without building one (a NEVRA of every package: ~0.2 s at 60k binaries),
#: as the few packages an incremental run solves in its triage do
SMALL_BATCH = 64
#: resolutions a Depsolver remembers by their inputs (~3 KB each): packages with the same
#: BuildRequires, in the same order, get the same Resolution without a goal of their own
#: (in a distribution, many share "python3-devel python3dist(setuptools)" and the like)
RESOLUTIONS_KEPT = 2048


@dataclass(frozen=True)
class GoalResult:
    """Upstream's ``run_goal`` triple: installs are hawkey packages, only when resolved."""

    resolved: bool
    problems: list[str]
    installs: list[Package] | None
    #: when the only problems are BuildRequires nothing provides: what the goal of the
    #: others installed (incremental resolution keeps it to tell whether that still holds)
    partial: list[Package] | None = None


@dataclass(frozen=True)
class Request:
    """One package for ``Depsolver.resolve_many``: a goal, or the stored install set to
    reuse (``reuse``; the goal is solved instead when a member left the sack)."""

    build_requires: Sequence[str]
    build_group: Sequence[str]
    reuse: InstallSet | None = None


@dataclass
class SolverClock:
    """Seconds a ``Depsolver`` spent per phase, and how many goals it ran or spared,
    summed over its life (read as differences)."""

    #: goals, and the candidate search of failed ones
    solve_s: float = 0.0
    #: the breadth-first search of resolved install sets
    distances_s: float = 0.0
    #: ordering the install set and making its ``ResolvedDependency`` rows
    listing_s: float = 0.0
    #: goals run
    goals: int = 0
    #: install sets given distances and listed
    listed: int = 0
    #: requests given the Resolution of an earlier one with the same inputs
    shared: int = 0

    def copy(self) -> SolverClock:
        return replace(self)


class ResolvedDependency(NamedTuple):
    """One installed binary package of a resolved buildroot and its distance (None: "B")."""

    name: str
    epoch: int
    version: str
    release: str
    arch: str
    distance: int | None

    @property
    def nevra(self) -> Nevra:
        return Nevra(self.name, self.epoch, self.version, self.release, self.arch)


@dataclass(frozen=True)
class Resolution:
    """A package's resolution: upstream's result plus distances and the install set.

    An unresolved package has no dependencies; in place of an install set it keeps the
    goal's partial one when the only problems are BuildRequires nothing provides, else
    every candidate the solver may have considered (``Depsolver.candidates``).
    """

    resolved: bool
    problems: list[str]
    #: each install-set member's distance (None: "B"), in install-set order; None when
    #: unresolved
    distances: tuple[int | None, ...] | None
    install_set: InstallSet | None

    @functools.cached_property
    def dependencies(self) -> tuple[ResolvedDependency, ...] | None:
        """The install set with distances, one row per package (made when first asked:
        repo resolution only needs them as ``distance_by_nevra``)."""
        if self.distances is None or self.install_set is None:
            return None
        # tuple.__new__ skips the named tuple's Python-level constructor
        return tuple(
            tuple.__new__(ResolvedDependency, (*nevra, distance))
            for nevra, distance in zip(self.install_set, self.distances, strict=True)
        )

    def distance_by_nevra(self) -> dict[Nevra, int | None]:
        """Each installed package's distance ({} when unresolved)."""
        if self.distances is None or self.install_set is None:
            return {}
        return dict(zip(self.install_set, self.distances, strict=True))


_PROBLEM = "Problem: "
_RULE = "\n - "


def format_problem(rules: Sequence[str]) -> str | None:
    """Upstream's rendering of one libsolv problem (a list of rule descriptions)."""
    if not rules:
        return None
    first, *rest = rules
    return _PROBLEM + first + "".join(_RULE + item for item in rest)


def canonical_problems(problems: Iterable[str]) -> list[str]:
    """A problem set in the order it is stored and compared: each problem's rules sorted
    and deduplicated, then the problems sorted and deduplicated.

    libsolv lists a problem's rules (the first one included) in an order that follows
    the pool's dependency ids, and hawkey's solv cache stores each package's requires
    sorted, so the same goal on the same repo words its problems differently after a
    load from repodata and after one from the solv cache.  ``run_goal`` keeps upstream's
    wording; what is stored must not depend on the load.
    """
    canonical = set()
    for problem in problems:
        if problem.startswith(_PROBLEM):
            rules = sorted(set(problem.removeprefix(_PROBLEM).split(_RULE)))
            problem = format_problem(rules) or problem
        canonical.add(problem)
    return sorted(canonical)


def _selector(
    sack: Sack, dep: str, owners: Callable[[str], _Providers | None] | None = None
) -> tuple[Any | None, _Providers]:
    """Upstream's selector for ``dep`` and the packages it matches; (None, {}) if nothing.

    A provides selector, or for an unprovided path a file selector.  The file selector
    is handed to the goal as the package set it matches: libsolv turns a file selection
    into "install one of these packages" (SOLVER_SOLVABLE_ONE_OF) either way, but repeats
    the file-list search on every goal that holds a file selector (~2.5 ms on a 60k-binary
    repo).  Same job, same result: on a generated 30k-source distribution the 10,551
    packages with such a BuildRequire resolved identically (installs and problem texts),
    at 3.0 instead of 10.8 ms each.
    """
    try:
        selector = hawkey.Selector(sack).set(provides=dep)
        packages = selector.matches()
        if packages:
            return selector, frozenset(packages)
        if dep.startswith("/"):
            known = owners(dep) if owners is not None else None
            packages = hawkey.Selector(sack).set(file=dep).matches() if known is None else known
            if packages:
                return hawkey.Selector(sack).set(pkg=packages), frozenset(packages)
    except hawkey.Exception:
        # a malformed dependency string ("foo >= "): upstream would crash; we report it
        # as not found (BuildRequires) or skip it (build group)
        pass
    return None, frozenset()


class Depsolver:
    """Resolves BuildRequires against one sack, memoizing what does not change per package.

    Not thread-safe; one per sack and worker.  ``ignore_weak_deps`` is
    ``dependency.ignore_weak_deps`` of the configuration.
    """

    def __init__(self, sack: Sack, *, ignore_weak_deps: bool = False) -> None:
        self.sack = sack
        self.ignore_weak_deps = ignore_weak_deps
        self._matches: dict[str, tuple[Any | None, _Providers]] = {}
        self._sack_index: SackIndex | None = None
        self._size: int | None = None
        self._named: dict[int, Nevra] = {}
        self._graph: ProviderGraph | None = None
        self.clock = SolverClock()
        self._files: dict[str, set[Package]] = {}
        self._file_dirs: set[str] = set()
        self._reachable: dict[Package, _Providers] = {}
        self._by_dep: dict[str, _Providers] = {}
        self._supplementing: list[tuple[Package, list[str]]] | None = None
        self._resolutions: OrderedDict[_Inputs, Resolution] = OrderedDict()

    def forget_memos(self) -> None:
        """Drop everything memoized about the sack (selectors, file index, provider graph,
        sack index, remembered resolutions); the sack stays, and the memos are made again
        when next needed."""
        self._matches.clear()
        self._sack_index = None
        self._size = None
        self._named.clear()
        self._graph = None
        self._files.clear()
        self._file_dirs.clear()
        self._reachable.clear()
        self._by_dep.clear()
        self._supplementing = None
        self._resolutions.clear()

    # -- file BuildRequires -----------------------------------------------------------------

    def prepare_files(self, deps: Iterable[str], *, min_paths: int = FILE_INDEX_MIN_PATHS) -> None:
        """Index who owns the files in the directories of these path dependencies.

        hawkey searches the whole file list for each path (~7 ms on a 60k-binary repo);
        one pass over the file lists (~0.2 s there) indexes every directory asked for so
        far, so each later path in them is a dictionary look-up.  Call it with a batch's
        dependencies; fewer than ``min_paths`` new paths are left to hawkey's search.
        """
        paths = {
            d
            for d in deps
            if d.startswith("/") and not _GLOB.intersection(d) and d not in self._matches
        }
        wanted = {path.rpartition("/")[0] for path in paths} - self._file_dirs
        if not wanted or len(paths) < min_paths:
            return
        for package in hawkey.Query(self.sack).filter(arch__neq="src"):
            for path in package.files:
                if path.rpartition("/")[0] in wanted:
                    self._files.setdefault(path, set()).add(package)
        self._file_dirs |= wanted

    def _owners(self, path: str) -> _Providers | None:
        """The packages owning ``path``, when its directory is indexed (else None)."""
        if _GLOB.intersection(path) or path.rpartition("/")[0] not in self._file_dirs:
            return None
        return frozenset(self._files.get(path, ()))

    # -- the goal ---------------------------------------------------------------------------

    def _match(self, dep: str) -> tuple[Any | None, _Providers]:
        """The selector for ``dep`` (None when nothing matches) and the packages it matches."""
        found = self._matches.get(dep)
        if found is None:
            found = self._matches[dep] = _selector(self.sack, dep, self._owners)
        return found

    def run_goal(self, build_requires: Iterable[str], build_group: Iterable[str]) -> GoalResult:
        """Upstream's ``run_goal`` (spec section 3.4), with memoized selector look-ups."""
        goal = hawkey.Goal(self.sack)
        problems: list[str] = []
        for name in build_group:
            selector, _ = self._match(name)
            if selector is not None:
                goal.install(select=selector)
        for dep in build_requires:
            selector, _ = self._match(dep)
            if selector is not None:
                goal.install(select=selector)
            elif not dep.startswith("("):  # unmatched rich deps are ignored (upstream, 2025)
                problems.append(f"No package found for: {dep}")
        if self.ignore_weak_deps:
            goal.run(ignore_weak_deps=True)
        else:
            goal.run()
        missing = len(problems)
        for rules in goal.problem_rules():
            text = format_problem(rules)
            if text is not None:
                problems.append(text)
        if not problems:
            return GoalResult(True, problems, goal.list_installs())
        partial = goal.list_installs() if len(problems) == missing else None
        return GoalResult(False, problems, None, partial)

    # -- distances --------------------------------------------------------------------------

    def _providers(self, deps: list[object]) -> _Providers:
        if not deps:
            return frozenset()
        return frozenset(hawkey.Query(self.sack).filter(provides=deps))

    def _edges_of(self, package: Package) -> _Providers:
        """Every package of the sack that provides something ``package`` requires."""
        deps = list(package.requires)
        if not self.ignore_weak_deps:
            deps += package.recommends
        return self._providers(deps)

    def _supplemented_by(self, package: Package) -> _Providers:
        """The packages whose presence ``package`` supplements."""
        return self._providers(list(package.supplements))

    def _index(self) -> SackIndex:
        if self._sack_index is None:
            self._sack_index = SackIndex.of(self.sack)
        return self._sack_index

    def _sack_size(self) -> int:
        """One past the largest solvable id of the sack (the provider graph's size)."""
        if self._sack_index is not None:
            return self._sack_index.size
        if self._size is None:
            self._size = solvable_span(hawkey.Query(self.sack))
        return self._size

    def _provider_graph(self) -> ProviderGraph:
        if self._graph is None:
            self._graph = ProviderGraph(
                self._sack_size(),
                providers=self._edges_of,
                supplemented=None if self.ignore_weak_deps else self._supplemented_by,
                matches=lambda dep: self._match(dep)[1],
            )
        return self._graph

    def distances(
        self, installs: Iterable[Package], build_requires: Iterable[str]
    ) -> dict[Package, int]:
        """Shortest distance from the BuildRequires to each installed package reached."""
        packages = list(set(installs))
        found = self._provider_graph().distances(packages, package_ids(packages), build_requires)
        return {p: d for p, d in zip(packages, found.tolist(), strict=True) if d}

    # -- failed goals -------------------------------------------------------------------------

    def candidates(self, build_requires: Iterable[str], build_group: Iterable[str]) -> _Providers:
        """Every package the solver may consider for this goal: a superset of any install set.

        From the packages the jobs match, follow each package's requires and recommends to
        every provider (every name in a rich dependency), and add each package whose
        Supplements are possible over what was reached (libsolv pulls those in), until
        nothing new comes.  Conflicts and obsoletes reach nothing: a package only
        they name is never installed.  A failed goal whose candidates a repo change cannot
        touch fails the same way again.
        """
        reached: set[Package] = set()
        frontier: set[Package] = set()
        for dep in (*build_group, *build_requires):
            frontier |= self._match(dep)[1]
        while frontier:
            reached |= frontier
            found: set[Package] = set()
            for package in frontier:
                found |= self._reachable_from(package)
            frontier = found - reached
            if not frontier:
                frontier = {
                    package
                    for package, deps in self._supplementing_packages()
                    if package not in reached and self._supplements_possible(deps, reached)
                }
        return frozenset(reached)

    def _providers_of(self, dep: str) -> _Providers:
        """The providers of a dependency string; of every name in it when it is rich."""
        found = self._by_dep.get(dep)
        if found is None:
            names = capability_names(dep) if dep.startswith("(") else (dep,)
            reldeps = []
            for name in names:
                try:
                    reldeps.append(hawkey.Reldep(self.sack, name))
                except hawkey.Exception:  # a malformed string provides nothing
                    continue
            found = self._by_dep[dep] = self._providers(reldeps)
        return found

    def _reachable_from(self, package: Package) -> _Providers:
        """The providers of everything ``package`` requires or recommends."""
        found = self._reachable.get(package)
        if found is None:
            plain: list[object] = []
            rich: list[str] = []
            for dep in (*package.requires, *package.recommends):
                text = str(dep)
                if text.startswith("("):
                    rich.append(text)
                else:
                    plain.append(dep)
            found = self._providers(plain).union(*map(self._providers_of, rich))
            self._reachable[package] = found
        return found

    def _supplementing_packages(self) -> list[tuple[Package, list[str]]]:
        """The sack's binaries with Supplements, and those Supplements (built once)."""
        if self._supplementing is None:
            self._supplementing = [
                (p, [str(d) for d in p.supplements])
                for p in hawkey.Query(self.sack).filter(arch__neq="src")
                if p.supplements
            ]
        return self._supplementing

    def _supplements_possible(self, deps: Sequence[str], reached: AbstractSet[Package]) -> bool:
        for dep in deps:
            try:
                tree = parse(dep) if dep.startswith("(") else None
            except RichDepError:
                tree = None
            if tree is None:
                if not self._providers_of(dep).isdisjoint(reached):
                    return True
            elif possible(tree, lambda atom: not self._providers_of(atom.text).isdisjoint(reached)):
                return True
        return False

    # -- both -------------------------------------------------------------------------------

    def resolve(self, build_requires: Sequence[str], build_group: Sequence[str]) -> Resolution:
        """Run the goal and, when resolved, give every installed package its distance."""
        return self.resolve_many([Request(build_requires, build_group)])[0][0]

    def resolve_many(self, requests: Sequence[Request]) -> list[tuple[Resolution, bool]]:
        """Each request's Resolution and whether its stored install set served (else it
        was solved); the distances of every resolved one come from one search.

        A request to solve whose inputs (BuildRequires in order, build group) an earlier
        one had, in this batch or one of the last ``RESOLUTIONS_KEPT`` remembered, gets
        that Resolution (a remembered one as a copy): the same goal on the same sack gives
        the same result.
        """
        done: dict[int, Resolution] = {}
        reused: set[int] = set()
        pending: list[tuple[int, list[Package], Sequence[str], list[str]]] = []
        firsts: dict[_Inputs, int] = {}
        alike: list[tuple[int, int]] = []
        stored = self.packages_by_nevra() if any(r.reuse for r in requests) else {}
        for i, request in enumerate(requests):
            brs = request.build_requires
            if request.reuse is not None and all(n in stored for n in request.reuse):
                reused.add(i)
                pending.append((i, [stored[n] for n in request.reuse], brs, []))
                continue
            inputs = (tuple(brs), tuple(request.build_group))
            known = self._resolutions.get(inputs)
            if known is not None:
                self._resolutions.move_to_end(inputs)
                done[i] = replace(known)
                continue
            if inputs in firsts:
                alike.append((i, firsts[inputs]))
                continue
            firsts[inputs] = i
            solved = self._solve(brs, request.build_group)
            if isinstance(solved, Resolution):
                done[i] = solved
            else:
                pending.append((i, solved.installs or [], brs, solved.problems))
        resolved = self._with_distances([p[1:] for p in pending])
        done.update((p[0], r) for p, r in zip(pending, resolved, strict=True))
        done.update((i, done[first]) for i, first in alike)
        self.clock.shared += len(requests) - len(reused) - len(firsts)
        self._remember((inputs, done[i]) for inputs, i in firsts.items())
        return [(done[i], i in reused) for i in range(len(requests))]

    def _remember(self, resolutions: Iterable[tuple[_Inputs, Resolution]]) -> None:
        """Keep copies, and hand out copies (``resolve_many``): a caller that asks a
        Resolution for its ``dependencies`` rows (~20 KB) keeps them no longer than the
        Resolution it holds."""
        kept = self._resolutions
        kept.update((inputs, replace(resolution)) for inputs, resolution in resolutions)
        while len(kept) > RESOLUTIONS_KEPT:
            kept.popitem(last=False)

    def _solve(self, build_requires: Sequence[str], build_group: Sequence[str]) -> Any:
        """The goal's result when resolved, else the unresolved Resolution."""
        started = time.perf_counter()
        self.clock.goals += 1
        result = self.run_goal(build_requires, build_group)
        if result.installs is None:
            kept = result.partial
            considered = self.candidates(build_requires, build_group) if kept is None else kept
            binaries = [p for p in considered if p.arch != "src"]
            install = tuple(sorted(map(self._nevra, binaries)))
            self.clock.solve_s += time.perf_counter() - started
            return Resolution(False, result.problems, None, install)
        self.clock.solve_s += time.perf_counter() - started
        return result

    def reuse(self, previous: InstallSet, build_requires: Sequence[str]) -> Resolution:
        """A resolved Resolution from a stored install set, without a solver run.

        For the incremental path: every NEVRA must be in the sack (``may_be_affected``
        said so); distances are recomputed here.  Raises KeyError otherwise.
        """
        packages = self.packages_by_nevra()
        return self._with_distances([([packages[n] for n in previous], build_requires, [])])[0]

    def packages_by_nevra(self) -> dict[Nevra, Package]:
        """The sack's binary packages by NEVRA (built once)."""
        return self._index().by_nevra

    def _with_distances(
        self, goals: Sequence[tuple[list[Package], Sequence[str], list[str]]]
    ) -> list[Resolution]:
        """Resolutions of resolved goals (installs, BuildRequires, problems).

        Install sets are listed in NEVRA order by the sack index; a batch of fewer than
        ``SMALL_BATCH`` goals on a solver without one names its members one by one
        instead (the same order: NEVRA, then solvable id).
        """
        started = time.perf_counter()
        index = None
        if self._sack_index is not None or len(goals) >= SMALL_BATCH:
            index = self._index()
        sets = []
        for installs, brs, _ in goals:
            if index is None or index.has_sources:
                binaries = [p for p in installs if p.arch != "src"]
            else:
                binaries = installs
            sets.append((binaries, package_ids(binaries), brs))
        found = self._provider_graph().distances_many(sets) if sets else []
        listed = time.perf_counter()
        resolutions = []
        for (binaries, ids, _), distance, (_, _, problems) in zip(sets, found, goals, strict=True):
            if index is None:
                named = sorted(
                    zip(map(self._nevra, binaries), ids.tolist(), range(len(ids)), strict=True)
                )
                order = np.fromiter((position for _, _, position in named), np.int64, len(named))
                nevras: InstallSet = tuple(nevra for nevra, _, _ in named)
            else:
                order = np.argsort(index.ranks[ids])
                nevras = tuple(map(index.nevras.__getitem__, ids[order].tolist()))  # type: ignore[arg-type]
            distances = tuple(d or None for d in distance[order].tolist())
            resolutions.append(Resolution(True, problems, distances, nevras))
        self.clock.distances_s += listed - started
        self.clock.listing_s += time.perf_counter() - listed
        self.clock.listed += len(goals)
        return resolutions

    def _nevra(self, package: Package) -> Nevra:
        """A package's NEVRA (from the sack index when built: hawkey builds each attribute
        anew; else made once per package)."""
        identity = hash(package)
        if self._sack_index is not None:
            nevra = self._sack_index.nevras[identity]
            if nevra is not None:
                return nevra
        named = self._named.get(identity)
        if named is None:
            named = self._named[identity] = Nevra.of(package)
        return named


def run_goal(
    sack: Sack,
    build_requires: Iterable[str],
    build_group: Iterable[str],
    ignore_weak_deps: bool = False,
) -> GoalResult:
    """Upstream's ``run_goal(sack, br, group)``; hold a ``Depsolver`` for many packages."""
    return Depsolver(sack, ignore_weak_deps=ignore_weak_deps).run_goal(build_requires, build_group)
