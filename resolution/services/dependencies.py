"""The Dependency flyweight table in bulk: NEVRAs to ids and back, never a query per row.

Dependency rows are never updated or deleted, so a NEVRA's id, once committed, stays true
for as long as the table does.  Each process remembers the pairs it has seen
(``KnownDependencies``): a chunk's install sets are mostly NEVRAs every earlier chunk
looked up, so after the first chunks of a run the look-up is a dictionary hit and
PostgreSQL gets only the new NEVRAs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from resolution.depsolve import Nevra

_SELECT_IDS = """
    SELECT d.id, d.name, d.epoch, d.version, d.release, d.arch
    FROM dependency d
    JOIN unnest(%s::text[], %s::int[], %s::text[], %s::text[], %s::text[])
        AS w(name, epoch, version, release, arch)
      ON d.name = w.name AND d.epoch = w.epoch AND d.version = w.version
     AND d.release = w.release AND d.arch = w.arch
"""
#: which table the remembered pairs came from: the database, and the table's file (a
#: TRUNCATE, as a test flush does, gives the table a new one and new ids)
_TABLE_IDENTITY = """
    SELECT d.oid, pg_relation_filenode('dependency'::regclass)
    FROM pg_database d WHERE d.datname = current_database()
"""
#: pairs a process remembers at most (a distribution's repos have ~10^5 binaries)
MAX_KNOWN = 1_000_000


class KnownDependencies:
    """The NEVRA <-> Dependency id pairs this process has seen committed.

    Pairs are remembered only when the transaction that read or made them commits (a
    rolled-back insert leaves no row behind), and forgotten when the table they came from
    is not the one the connection sees (another database, or the table truncated).
    ``by_nevra`` holds exact rows (epoch as stored); ``by_id`` reads a NULL epoch as 0.
    """

    def __init__(self, limit: int = MAX_KNOWN) -> None:
        self.limit = limit
        self.by_nevra: dict[Nevra, int] = {}
        self.by_id: dict[int, Nevra] = {}
        self._table: tuple[object, ...] | None = None

    def clear(self) -> None:
        self.by_nevra.clear()
        self.by_id.clear()

    def check_table(self) -> None:
        """Forget everything if the connection's Dependency table is not the one the pairs
        came from (one catalogue query)."""
        with connection.cursor() as cursor:
            cursor.execute(_TABLE_IDENTITY)
            table = (connection.settings_dict["HOST"], connection.settings_dict["PORT"])
            table += tuple(cursor.fetchone() or ())
        if table != self._table:
            self.clear()
            self._table = table

    def remember_on_commit(self, by_nevra: dict[Nevra, int], by_id: dict[int, Nevra]) -> None:
        """Remember these pairs once the current transaction commits (at once without one)."""
        if not by_nevra and not by_id:
            return
        table = self._table

        def remember() -> None:
            if table != self._table:  # the table changed meanwhile
                return
            if len(self.by_id) + len(by_id) + len(by_nevra) > self.limit:
                self.clear()
            self.by_nevra.update(by_nevra)
            self.by_id.update(by_id)
            self.by_id.update((i, n) for n, i in by_nevra.items())

        transaction.on_commit(remember)


known = KnownDependencies()


def dependency_ids(nevras: Iterable[Nevra]) -> dict[Nevra, int]:
    """Get-or-create a Dependency row for each NEVRA: remembered ids first, then a SELECT,
    then for the NEVRAs still missing one INSERT ... ON CONFLICT and one SELECT.

    The insert, which probes the unique index for every row it is given, gets only the
    new NEVRAs.  Epochs are stored as integers (0 for none), so the index matches exactly.
    """
    return _ids(nevras, create=True)


def known_dependency_ids(nevras: Iterable[Nevra]) -> dict[Nevra, int]:
    """The ids of those NEVRAs that already have a Dependency row (nothing is created)."""
    return _ids(nevras, create=False)


def _ids(nevras: Iterable[Nevra], *, create: bool) -> dict[Nevra, int]:
    wanted = set(nevras)
    if not wanted:
        return {}
    known.check_table()
    found, unseen = _split_known(wanted)
    if not unseen:
        return found
    looked_up = _select_ids(sorted(unseen))
    if create and len(looked_up) < len(unseen):
        looked_up.update(_insert_ids(sorted(n for n in unseen if n not in looked_up)))
    known.remember_on_commit(looked_up, {})
    found.update(looked_up)
    return found


def _split_known(wanted: Iterable[Nevra]) -> tuple[dict[Nevra, int], list[Nevra]]:
    """The remembered ids of these NEVRAs, and the NEVRAs without one (one look-up each)."""
    remembered = known.by_nevra
    found: dict[Nevra, int] = {}
    unseen: list[Nevra] = []
    for nevra in wanted:
        identity = remembered.get(nevra)
        if identity is None:
            unseen.append(nevra)
        else:
            found[nevra] = identity
    return found, unseen


def dependency_nevras(ids: Iterable[int]) -> dict[int, Nevra]:
    """The NEVRA of each Dependency id (a NULL epoch reads as 0, as in RPM)."""
    wanted = set(ids)
    if not wanted:
        return {}
    known.check_table()
    found = {i: known.by_id[i] for i in wanted if i in known.by_id}
    if len(found) == len(wanted):
        return found
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name, epoch, version, release, arch FROM dependency "
            "WHERE id = ANY(%s::int[])",
            [sorted(wanted.difference(found))],
        )
        read = {i: Nevra(n, e or 0, v, r, a) for i, n, e, v, r, a in cursor.fetchall()}
    known.remember_on_commit({}, read)
    found.update(read)
    return found


def _columns(nevras: list[Nevra]) -> list[list[object]]:
    return [list(column) for column in zip(*nevras, strict=True)]


def _select_ids(nevras: list[Nevra]) -> dict[Nevra, int]:
    if not nevras:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_SELECT_IDS, _columns(nevras))
        return {Nevra(n, e, v, r, a): i for i, n, e, v, r, a in cursor.fetchall()}


def _insert_ids(nevras: list[Nevra]) -> dict[Nevra, int]:
    """Insert rows for these NEVRAs (a concurrent insert of the same one wins); their ids."""
    columns = _columns(nevras)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO dependency (name, epoch, version, release, arch)
            SELECT * FROM unnest(%s::text[], %s::int[], %s::text[], %s::text[], %s::text[])
            ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT DO NOTHING
            """,
            columns,
        )
        cursor.execute(_SELECT_IDS, columns)
        return {Nevra(n, e, v, r, a): i for i, n, e, v, r, a in cursor.fetchall()}
