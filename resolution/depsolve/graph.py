"""Exact dependency distances over integer arrays, searched by SciPy's compiled graph code.

A package is its libsolv solvable id: hawkey hashes a ``Package`` to that id, unique in
the sack's pool, so ``hash(package)`` indexes the arrays here without a dictionary.  Each
binary's providers (of its requires, plus recommends when weak dependencies are honoured)
and the packages its Supplements name are stored once, the first time the package turns
up in an install set: a full run meets most of the sack's binaries, an incremental one
few, and building every row up front costs a hawkey query per binary (~0.5 s at 60k).

An install set is searched breadth-first from a virtual root whose children are the
installed matches of the BuildRequires, over the provider edges with both ends installed
(and a reverse edge Y -> X where X supplements Y), so a package's depth is its distance.
Many install sets (a chunk's) are searched at once, as disjoint parts of one graph under
a super-root: one call into ``scipy.sparse.csgraph`` and a constant number of array
operations for the lot (done per package after a hawkey goal, with the caches cold, they
cost more than the search).  Semantics are the old pure-Python search, kept as
``tests/reference_distances.py``, which this must equal.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order

from resolution.depsolve.sack import Package

Ids = npt.NDArray[np.int64]
#: the packages one package has edges to (its providers, or what it supplements)
Neighbours = Callable[[Package], Iterable[Package]]

_EMPTY: Ids = np.empty(0, np.int64)


def package_ids(packages: Iterable[Package]) -> Ids:
    """The solvable ids of hawkey packages (hawkey hashes a package to its id)."""
    return np.fromiter(map(hash, packages), np.int64)


class _Rows:
    """Variable-length rows of solvable ids in one growing buffer, gathered many at a time.

    Extending a row moves it to the end of the buffer; a row grows past its first
    filling only for Supplements, which are rare, so the space left behind stays small.
    """

    def __init__(self, size: int) -> None:
        self.start = np.zeros(size, np.int64)
        self.count = np.zeros(size, np.int64)
        self._data: Ids = np.empty(4096, np.int64)
        self._used = 0

    def extend(self, row: int, targets: Ids) -> None:
        start, count = int(self.start[row]), int(self.count[row])
        end = self._used + count + len(targets)
        if end > len(self._data):
            self._data = np.resize(self._data, max(end, 2 * len(self._data)))
        self._data[self._used : self._used + count] = self._data[start : start + count]
        self._data[self._used + count : end] = targets
        self.start[row], self.count[row] = self._used, end - self._used
        self._used = end

    def gather(self, rows: Ids, counts: Ids, total: int) -> Ids:
        """The rows' ids one after the other (``counts``: their lengths, summing to ``total``)."""
        ends = np.cumsum(counts)
        offsets = np.repeat(self.start[rows] - ends + counts, counts) + np.arange(total)
        return self._data[offsets]


def depths(indptr: Ids, indices: Ids, root: int) -> Ids:
    """Breadth-first depth of every node from ``root`` (0: not reached) of a CSR graph.

    scipy's search is level by level, so along its order the parents' positions never
    decrease and each level ends where the parents of the previous one do.
    """
    size = len(indptr) - 1
    graph = csr_array((np.ones(len(indices)), indices, indptr), shape=(size, size))
    order, predecessors = breadth_first_order(graph, root, return_predecessors=True)
    where = np.empty(size, np.int64)
    where[order] = np.arange(len(order))
    parents = where[predecessors[order[1:]]].tolist()
    bounds = [0, 1]
    while bounds[-1] < len(order):
        bounds.append(1 + bisect.bisect_left(parents, bounds[-1]))
    depth = np.zeros(size, np.int64)
    depth[order] = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    return depth


class ProviderGraph:
    """One sack's provider edges as integer rows, and distances over an install set.

    ``providers``: a package's edges (requires, plus recommends unless weak deps are
    ignored); ``supplemented``: what a package's Supplements name, None when weak
    deps are ignored; ``matches``: the packages a BuildRequire matches.  A row holds a
    package's providers and the packages seen so far that supplement it (X supplements
    Y: X was pulled in by Y, an edge Y -> X).
    """

    def __init__(
        self,
        size: int,
        *,
        providers: Neighbours,
        supplemented: Neighbours | None,
        matches: Callable[[str], Iterable[Package]],
    ) -> None:
        self._providers, self._supplemented, self._matches = providers, supplemented, matches
        self._known = np.zeros(size, bool)
        self._rows = _Rows(size)
        self._first: dict[str, Ids] = {}

    def _learn(self, packages: Sequence[Package], ids: Ids) -> None:
        """Store the rows of the packages not seen before."""
        for index in np.flatnonzero(~self._known[ids]).tolist():
            package, row = packages[index], int(ids[index])
            self._rows.extend(row, package_ids(self._providers(package)))
            if self._supplemented is not None:
                for target in package_ids(self._supplemented(package)).tolist():
                    self._rows.extend(target, np.array([row]))
            self._known[row] = True

    def _first_level(self, build_requires: Iterable[str]) -> Ids:
        """The solvable ids the BuildRequires match (repeats allowed)."""
        found = []
        for dep in build_requires:
            ids = self._first.get(dep)
            if ids is None:
                ids = self._first[dep] = package_ids(self._matches(dep))
            found.append(ids)
        return np.concatenate(found) if found else _EMPTY

    def distances(
        self, packages: Sequence[Package], ids: Ids, build_requires: Iterable[str]
    ) -> Ids:
        """Each package's distance from the BuildRequires (0: not reached), in input order.

        ``ids`` are the packages' solvable ids, all distinct.
        """
        return self.distances_many([(packages, ids, build_requires)])[0]

    def distances_many(
        self, install_sets: Sequence[tuple[Sequence[Package], Ids, Iterable[str]]]
    ) -> list[Ids]:
        """``distances`` of many install sets (packages, their ids, BuildRequires), in one
        search: a constant number of array operations for the lot, not per install set.

        Every (install set, package) is a node 1..N, an edge to a package outside its
        install set goes to node 0 (which leads nowhere), and a super-root N+1 leads to
        one root per install set, which leads to that set's BuildRequires' matches: depth
        from the super-root is distance + 1.
        """
        for packages, ids, _ in install_sets:
            if not self._known[ids].all():
                self._learn(packages, ids)
        sizes = np.array([len(ids) for _, ids, _ in install_sets], np.int64)
        nodes = int(sizes.sum())
        member = np.concatenate([ids for _, ids, _ in install_sets] or [_EMPTY])
        owner = np.repeat(np.arange(len(install_sets)), sizes)
        local = _Numbering(owner * len(self._known) + member)
        counts = self._rows.count[member]
        total = int(counts.sum())
        targets = self._rows.gather(member, counts, total)
        targets = local.of(np.repeat(owner, counts) * len(self._known) + targets)
        firsts = [self._first_level(brs) for _, _, brs in install_sets]
        first_counts = np.array([len(f) for f in firsts], np.int64)
        first_owner = np.repeat(np.arange(len(install_sets)), first_counts)
        first = local.of(first_owner * len(self._known) + np.concatenate(firsts or [_EMPTY]))
        roots = np.arange(nodes + 2, nodes + 2 + len(install_sets))
        indptr = np.concatenate(([0, 0], np.cumsum(counts), [total + len(roots)]))
        indptr = np.concatenate((indptr, total + len(roots) + np.cumsum(first_counts)))
        indices = np.concatenate((targets, roots, first))
        distance = np.maximum(depths(indptr, indices, nodes + 1)[1 : nodes + 1] - 1, 0)
        return np.split(distance, np.cumsum(sizes)[:-1])


class _Numbering:
    """Nodes 1..N for N distinct keys in input order; ``of`` maps keys to them (0: absent)."""

    def __init__(self, keys: Ids) -> None:
        self._order = np.argsort(keys)
        self._sorted = keys[self._order]

    def of(self, keys: Ids) -> Ids:
        if not len(self._sorted):
            return np.zeros(len(keys), np.int64)
        where = np.minimum(np.searchsorted(self._sorted, keys), len(self._sorted) - 1)
        return np.where(self._sorted[where] == keys, self._order[where] + 1, 0)
