"""Exact dependency distances over integer arrays, searched by SciPy's compiled graph code.

A package is its libsolv solvable id: hawkey hashes a ``Package`` to that id, unique in
the sack's pool, so ``hash(package)`` indexes the arrays here without a dictionary.  Each
binary's providers (of its requires, plus recommends when weak dependencies are honoured)
and the packages its Supplements name are stored once, the first time the package turns
up in an install set: a full run meets most of the sack's binaries, an incremental one
few, and building every row up front costs a hawkey query per binary (~0.5 s at 60k).

The search of one install set is a breadth-first search from a virtual root whose
children are the installed matches of the BuildRequires, over the provider edges with
both ends installed (and a reverse edge Y -> X where X supplements Y), so a package's
depth is its distance.  It is one call into ``scipy.sparse.csgraph``; the depth follows
from the predecessor tree by pointer doubling.  Semantics are ``Depsolver.distances``
of before (kept as ``tests/reference_distances.py``), which this must equal.
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
        #: an install set's numbering, 1..n (0: not installed), reset after each search
        self._position = np.zeros(size, np.int64)

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
        found = []
        for dep in build_requires:
            ids = self._first.get(dep)
            if ids is None:
                ids = self._first[dep] = package_ids(self._matches(dep))
            found.append(ids)
        return self._position[np.concatenate(found)] if found else _EMPTY

    def distances(
        self, packages: Sequence[Package], ids: Ids, build_requires: Iterable[str]
    ) -> Ids:
        """Each package's distance from the BuildRequires (0: not reached), in input order.

        ``ids`` are the packages' solvable ids, all distinct.  The search runs on the
        install set numbered 1..n, every edge to a package not installed going to node
        0 (which leads nowhere) and the root n+1 leading to the BuildRequires' matches.
        """
        nodes = len(ids)
        if not self._known[ids].all():
            self._learn(packages, ids)
        position = self._position
        position[ids] = np.arange(1, nodes + 1)
        try:
            counts = self._rows.count[ids]
            total = int(counts.sum())
            first = self._first_level(build_requires)
            indptr = np.zeros(nodes + 3, np.int64)
            np.cumsum(counts, out=indptr[2 : nodes + 2])
            indptr[nodes + 2] = total + len(first)
            indices = np.concatenate((position[self._rows.gather(ids, counts, total)], first))
        finally:
            position[ids] = 0
        return depths(indptr, indices, nodes + 1)[1 : nodes + 1]
