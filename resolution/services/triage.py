"""Sorting an incremental run's packages before any chunk exists (DESIGN section 7).

The repo check compares the new repo with each repo the packages were last resolved on
(a ``ChangeImpact`` over database ids) and sorts every eligible package:
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
- every other package, one without a stored resolution included, is solved: by the triage
  chunk itself when they are few, else by chunks it adds.
So only packages that need work become chunks, and a small repo change costs little
however large the collection.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from builds.koji import KojiSessions
from packages.models import Collection
from resolution.depsolve import ChangeImpact, diff_sacks
from resolution.models import PackageResolution
from resolution.services import inputs
from resolution.services.baselines import BASELINE_JOIN
from resolution.services.dependencies import known_dependency_ids
from resolution.services.impacts import shared_impact
from resolution.services.inputs import RepoUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Triage:
    """Where each package of an incremental run goes."""

    #: packages for the chunks, in id order (the reusable ones among them)
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


def triage(
    *,
    collection: Collection,
    repo_id: int,
    group: Sequence[str],
    package_ids: Sequence[int],
    sessions: KojiSessions,
) -> Triage:
    """Sort ``package_ids`` for a run against repo ``repo_id``."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(STORED_REPOS, [list(package_ids)])
        previous = sorted(row[0] for row in cursor.fetchall() if row[0] != repo_id)
    # outside any transaction: working an impact out may download a repo
    impacts = {old: _impact(collection, old, repo_id, sessions) for old in previous}
    relevant = set().union(*(i.relevant_members for i in impacts.values() if i is not None))
    with transaction.atomic(), connection.cursor() as cursor:
        without_jit(cursor)
        cursor.execute(FACTS, [sorted(relevant), inputs.koji_id(collection), list(package_ids)])
        rows = [_Facts(*row) for row in cursor.fetchall()]
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
    holding: dict[int, bool] = {}  # package id -> its stored outcome holds unchanged
    for facts in rows:
        verdict = _verdict(facts, repo_id, impacts, touched, digests)
        if verdict is not None:
            holding[facts.package_id] = verdict
    unchanged = [pid for pid in package_ids if holding.get(pid)]
    result = Triage(
        solve=[pid for pid in package_ids if not holding.get(pid)],
        reusable=frozenset(pid for pid, holds in holding.items() if not holds),
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


def prepare(*, collection: Collection, repo_id: int, previous: int, sessions: KojiSessions) -> bool:
    """Work out the change from repo ``previous`` to ``repo_id`` for every triage chunk of
    the host (``impacts``); False when a repo cannot be had.

    A worker does this while the repo check is still loading the same sack and resolving
    the base buildroot, so that the triage chunks start with it at hand.  It does not
    write hawkey's solv cache of the new repo on the way (that would delay both loads);
    the next process to load the repo does.
    """
    started = time.monotonic()
    try:
        ready = _impact(collection, previous, repo_id, sessions, build_cache=False) is not None
    except RepoUnavailable as exc:
        log.info("Nothing prepared for repo %s: %s", repo_id, exc)
        return False
    if ready:
        log.info(
            "Prepared repo %s and its change from repo %s in %.2f s",
            repo_id,
            previous,
            time.monotonic() - started,
        )
    return ready


# The impact of one repo change is the same for every triage chunk of a run: a worker
# process keeps the last ones, over Dependency ids (hence per database as well).
IMPACTS_KEPT = 2
_kept_impacts: OrderedDict[tuple[str, ...], ChangeImpact] = OrderedDict()


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


def _verdict(
    facts: _Facts,
    repo_id: int,
    impacts: dict[int, ChangeImpact | None],
    touched: dict[int, frozenset[str] | None],
    digests: inputs.InputsDigest,
) -> bool | None:
    """True: the stored outcome holds; False: only the install set does; None: solve."""
    if facts.resolved is None or facts.requires is None:
        return None
    if not facts.version or not facts.release:
        return None
    srpm = {"name": facts.name, "version": facts.version, "release": facts.release}
    if digests.of(inputs.nvra_key({**srpm, "arch": "src"}), facts.requires) != facts.digest:
        return None
    if facts.stored_repo != repo_id:
        impact, brs = impacts[facts.stored_repo], touched[facts.stored_repo]
        if impact is None or brs is None or not brs.isdisjoint(facts.requires):
            return None
        # a failure keeps a partial install set or its goal's candidates (see depsolve)
        if impact.touches_members(facts.members, candidates=not facts.resolved):
            return None
    same_build = facts.last_build_id == facts.stored_build
    if not facts.resolved:  # a failure has no changes and no baseline
        return True if same_build else None
    return same_build and facts.baseline == facts.stored_baseline


class _PreviousRepoGone(Exception):
    """The repo a package was last resolved on cannot be had any more."""


def _impact(
    collection: Collection, old: int, new: int, sessions: KojiSessions, *, build_cache: bool = True
) -> ChangeImpact | None:
    """What changed from repo ``old`` to repo ``new``, over Dependency ids; None when the
    old repo cannot be had any more (its packages are then solved again).

    Raises RepoUnavailable when the new repo cannot be had.
    """
    key = (
        str(settings.DATABASES["default"]["NAME"]),
        str(settings.KOSCHEI["directories"]["cachedir"]),
        sessions.reading_topurl(collection),
        inputs.descriptor(collection, old).key,
        inputs.descriptor(collection, new).key,
        str(inputs.dependency_config()["ignore_weak_deps"]),
    )
    kept = _kept_impacts.get(key)
    if kept is not None:
        _kept_impacts.move_to_end(key)
        return kept

    def compute() -> ChangeImpact:
        with inputs.solver_for(collection, new, sessions, build_cache=build_cache) as current:
            try:
                with inputs.solver_for(collection, old, sessions) as previous:
                    diff = diff_sacks(previous.sack, current.sack)
            except RepoUnavailable as exc:
                raise _PreviousRepoGone(str(exc)) from None
            return ChangeImpact(current.sack, diff, ignore_weak_deps=current.ignore_weak_deps)

    try:
        found = shared_impact(
            collection=collection, old=old, new=new, sessions=sessions, compute=compute
        )
    except _PreviousRepoGone as exc:
        log.info("Previous repo %s unavailable, resolving its packages in full: %s", old, exc)
        return None
    members: set[Any] = set(found.hot).union(*found.atom_providers.values())
    keyed = found.keyed(known_dependency_ids(members))
    _kept_impacts[key] = keyed
    while len(_kept_impacts) > IMPACTS_KEPT:
        _kept_impacts.popitem(last=False)
    return keyed
