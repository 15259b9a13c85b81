"""Sorting an incremental run's packages in its triage chunks (DESIGN section 7).

Every eligible package of an incremental run goes to a triage chunk, which compares the
new repo with each repo its packages were last resolved on (a ``ChangeImpact`` over
database ids) and gives each package a ``Verdict``:
- **unchanged**: same inputs, an install set the change cannot touch (hence the same
  distances), and the same last build and comparison baseline as when it was stored (hence
  the same changes and dependency priority).  Its stored outcome is exact for the new
  repo: it only moves there, all of them in one statement;
- **reusable**: the install set still holds but the last build or the baseline moved: a
  chunk recomputes distances and changes from it without a solver run;
- a failed package keeps the install set of the goal of its other requirements when it
  failed only on BuildRequires nothing provides, else every package its goal may have
  considered: when the change cannot touch that set and no added package provides one of
  its BuildRequires, it fails the same way again (unchanged); otherwise it is solved;
- **solve**: every other package, one without a stored resolution included.
The triage chunk resolves the reusable packages and those to solve itself when they are
few, else it adds chunks for them: only packages that need work become chunks, and a
small repo change costs little however large the collection.
"""

from __future__ import annotations

import enum
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from packages.evr import srpm_nvra
from packages.models import Collection
from resolution.depsolve import ChangeImpact, diff_sacks
from resolution.models import PackageResolution
from resolution.services import inputs
from resolution.services.baselines import BASELINE_JOIN
from resolution.services.dependencies import known_dependency_ids
from resolution.services.impacts import shared_impact
from resolution.services.inputs import RepoSource, RepoUnavailable

log = logging.getLogger(__name__)


class Verdict(enum.Enum):
    """What the triage does with one package."""

    #: the stored outcome holds as it is: moved to the new repo
    UNCHANGED = "unchanged"
    #: only the stored install set holds: a chunk recomputes distances and changes
    REUSABLE = "reusable"
    #: a solver run
    SOLVE = "solve"


@dataclass(frozen=True)
class Triage:
    """Where each package of an incremental run goes."""

    #: packages to resolve (by the triage chunk or chunks it adds), in id order, the
    #: reusable ones among them
    solve: list[int]
    #: packages whose stored install set a chunk may reuse
    reusable: frozenset[int]
    #: packages whose stored outcome holds as it is
    unchanged: list[int]


STORED_REPOS = """
    SELECT DISTINCT repo_id FROM package_resolution WHERE package_id = ANY(%s::int[])
"""

# ``pr.install_set & relevant`` (intarray: sorted intersection) cuts each install set down
# to the members the repo changes can touch, so the sets never leave the database whole.
FACTS = f"""
    SELECT p.id, p.name, b.version, b.release, p.resolved, p.last_build_id,
           pr.repo_id, pr.inputs_digest, pr.install_set & %s::int[], pr.last_build_id,
           pr.baseline_build_id, baseline.id, sr.requires
    FROM package p
    JOIN package_resolution pr ON pr.package_id = p.id
    JOIN build b ON b.id = p.last_complete_build_id
    LEFT JOIN srpm_requires sr
      ON sr.koji_id = %s AND sr.nvra = p.name || '-' || b.version || '-' || b.release || '.src'
    {BASELINE_JOIN}
    WHERE p.id = ANY(%s::int[])
"""  # noqa: S608 - composed of constants


def without_jit(cursor: CursorWrapper) -> None:
    """No JIT compilation for the rest of the transaction: the planner's estimates for
    ``= ANY(array)`` over thousands of ids are far off, and compiling then costs more than
    the statement."""
    cursor.execute("SET LOCAL jit = off")


def has_stored_resolutions(collection: Collection) -> bool:
    """Whether an incremental run of the collection has anything to triage.

    Then every eligible package goes to the triage: the few without a stored resolution
    are solved there (they have no row in FACTS), which costs less than finding them
    first with a scan of every stored install set.
    """
    return PackageResolution.objects.filter(package__collection=collection).exists()


def triage(*, source: RepoSource, group: Sequence[str], package_ids: Sequence[int]) -> Triage:
    """Sort ``package_ids`` for a run against the repo of ``source``."""
    started = time.monotonic()
    repo_id = source.repo_id
    with connection.cursor() as cursor:
        cursor.execute(STORED_REPOS, [list(package_ids)])
        previous = sorted(row[0] for row in cursor.fetchall() if row[0] != repo_id)
    # outside any transaction: working an impact out may download a repo
    impacts = {old: _impact(source.at(old), source) for old in previous}
    relevant = set().union(*(i.relevant_members for i in impacts.values() if i is not None))
    with transaction.atomic(), connection.cursor() as cursor:
        without_jit(cursor)
        koji_id = inputs.koji_id(source.collection)
        cursor.execute(FACTS, [sorted(relevant), koji_id, list(package_ids)])
        rows = [_Facts(*row) for row in cursor.fetchall()]
    verdicts = _verdicts(rows, repo_id=repo_id, group=group, impacts=impacts)
    unchanged = [pid for pid in package_ids if verdicts.get(pid) is Verdict.UNCHANGED]
    result = Triage(
        solve=[pid for pid in package_ids if verdicts.get(pid) is not Verdict.UNCHANGED],
        reusable=frozenset(pid for pid, v in verdicts.items() if v is Verdict.REUSABLE),
        unchanged=unchanged,
    )
    log.info(
        "Triage of %d packages against repo %s (previous repos %s) in %.2f s: "
        "%d unchanged, %d reusable, %d to solve",
        len(package_ids),
        repo_id,
        previous,
        time.monotonic() - started,
        len(result.unchanged),
        len(result.reusable),
        len(result.solve) - len(result.reusable),
    )
    return result


def prepare(*, source: RepoSource, previous: int) -> bool:
    """Work out the change from repo ``previous`` to the repo of ``source`` for every triage
    chunk of the host (``impacts``); False when a repo cannot be had.

    A worker does this while the repo check is still loading the same sack and resolving
    the base buildroot, so that the triage chunks start with it at hand.  It does not
    write hawkey's solv cache of the new repo on the way (that would delay both loads);
    the next process to load the repo does.
    """
    started = time.monotonic()
    try:
        ready = _impact(source.at(previous), source, build_cache=False) is not None
    except RepoUnavailable as exc:
        log.info("Nothing prepared for repo %s: %s", source.repo_id, exc)
        return False
    if ready:
        log.info(
            "Prepared repo %s and its change from repo %s in %.2f s",
            source.repo_id,
            previous,
            time.monotonic() - started,
        )
    return ready


#: how many repo changes' impacts a process keeps
IMPACTS_KEPT = 2


class ImpactCache:
    """The impacts of the last repo changes one process worked out or read, over
    Dependency ids (hence per database as well).

    The impact of one repo change is the same for every triage chunk of a run.  The
    module's ``impact_cache`` belongs to the worker process that imported it.
    """

    def __init__(self, capacity: int = IMPACTS_KEPT) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[tuple[str, ...], ChangeImpact] = OrderedDict()

    def clear(self) -> None:
        """Forget every kept impact (as in a fresh process)."""
        self._kept.clear()

    def get(self, key: tuple[str, ...]) -> ChangeImpact | None:
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
        return kept

    def keep(self, key: tuple[str, ...], impact: ChangeImpact) -> None:
        """Keep ``impact``, forgetting the least recently used beyond the capacity."""
        self._kept[key] = impact
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)


impact_cache = ImpactCache()


class _Facts(NamedTuple):
    """One row of FACTS."""

    package_id: int
    name: str
    version: str
    release: str
    resolved: bool | None
    last_build_id: int | None
    stored_repo: int
    digest: str
    #: the stored install set cut down to the members the impacts look at
    members: list[int]
    stored_build: int | None
    stored_baseline: int | None
    baseline: int | None
    requires: list[str] | None


def _verdicts(
    rows: Sequence[_Facts],
    *,
    repo_id: int,
    group: Sequence[str],
    impacts: dict[int, ChangeImpact | None],
) -> dict[int, Verdict]:
    """Each package's verdict, by id (a package without a stored resolution has no row in
    FACTS, hence no verdict: it is solved)."""
    # per previous repo: the BuildRequires an added package may now satisfy otherwise
    # (None: the build group is touched, or the repo is gone: everything is solved)
    touched: dict[int, frozenset[str] | None] = {}
    for old, impact in impacts.items():
        if impact is None or impact.touched(group):
            touched[old] = None
        else:
            touched[old] = impact.touched(
                {br for f in rows if f.stored_repo == old for br in f.requires or ()}
            )
    digests = inputs.InputsDigest(group)

    # install sets cut down to the relevant members are mostly alike: each asked once
    @functools.cache
    def touches(stored_repo: int, members: tuple[int, ...], candidates: bool) -> bool:
        impact = impacts[stored_repo]
        return impact is None or impact.touches_members(members, candidates=candidates)

    return {f.package_id: _verdict(f, repo_id, touched, touches, digests) for f in rows}


def _verdict(
    facts: _Facts,
    repo_id: int,
    touched: dict[int, frozenset[str] | None],
    touches: Callable[[int, tuple[int, ...], bool], bool],
    digests: inputs.InputsDigest,
) -> Verdict:
    """What to do with a package that has a stored resolution.

    ``touched``: per previous repo, the BuildRequires its change touches (None: all);
    ``touches(repo, members, candidates)``: whether the change from that repo touches
    these install-set members (True when the repo is gone).
    """
    if facts.resolved is None or facts.requires is None:
        return Verdict.SOLVE
    if not facts.version or not facts.release:
        return Verdict.SOLVE
    srpm = srpm_nvra(facts.name, facts.version, facts.release)
    if digests.of(inputs.nvra_key(srpm), facts.requires) != facts.digest:
        return Verdict.SOLVE
    if facts.stored_repo != repo_id:
        brs = touched[facts.stored_repo]
        if brs is None or not brs.isdisjoint(facts.requires):
            return Verdict.SOLVE
        # a failure keeps a partial install set or its goal's candidates (see depsolve)
        if touches(facts.stored_repo, tuple(facts.members), not facts.resolved):
            return Verdict.SOLVE
    same_build = facts.last_build_id == facts.stored_build
    if not facts.resolved:  # a failure has no changes and no baseline
        return Verdict.UNCHANGED if same_build else Verdict.SOLVE
    if same_build and facts.baseline == facts.stored_baseline:
        return Verdict.UNCHANGED
    return Verdict.REUSABLE


class _PreviousRepoGone(Exception):
    """The repo a package was last resolved on cannot be had any more."""


def _impact(old: RepoSource, new: RepoSource, *, build_cache: bool = True) -> ChangeImpact | None:
    """What changed from repo ``old`` to repo ``new``, over Dependency ids; None when the
    old repo cannot be had any more (its packages are then solved again).

    Raises RepoUnavailable when the new repo cannot be had.
    """
    key = (
        str(settings.DATABASES["default"]["NAME"]),
        str(settings.KOSCHEI["directories"]["cachedir"]),
        new.topurl,
        old.descriptor.key,
        new.descriptor.key,
        str(inputs.dependency_config()["ignore_weak_deps"]),
    )
    kept = impact_cache.get(key)
    if kept is not None:
        return kept

    def compute() -> ChangeImpact:
        with inputs.solver_for(new, build_cache=build_cache) as current:
            try:
                with inputs.solver_for(old) as previous:
                    diff = diff_sacks(previous.sack, current.sack)
            except RepoUnavailable as exc:
                raise _PreviousRepoGone(str(exc)) from None
            return ChangeImpact(current.sack, diff, ignore_weak_deps=current.ignore_weak_deps)

    try:
        found = shared_impact(old=old, new=new, compute=compute)
    except _PreviousRepoGone as exc:
        log.info(
            "Previous repo %s unavailable, resolving its packages in full: %s", old.repo_id, exc
        )
        return None
    members: set[Any] = set(found.hot).union(*found.atom_providers.values())
    keyed = found.keyed(known_dependency_ids(members))
    impact_cache.keep(key, keyed)
    return keyed
