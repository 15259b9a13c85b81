"""The Dependency look-ups and what each process remembers of them."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from resolution.depsolve import Nevra
from resolution.models import Dependency
from resolution.services import dependencies
from resolution.services.dependencies import (
    dependency_ids,
    dependency_nevras,
    known_dependency_ids,
)

FOO = Nevra("foo", 0, "1.0", "1.fc42", "x86_64")
BAR = Nevra("bar", 2, "3", "4", "noarch")


@pytest.fixture(autouse=True)
def fresh_memory():
    """Each test starts as a fresh process would."""
    dependencies.known.clear()
    yield
    dependencies.known.clear()


def dependency_queries(queries: CaptureQueriesContext) -> list[str]:
    """The statements that read or wrote the dependency table itself."""
    return [q["sql"] for q in queries.captured_queries if "FROM dependency d" in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_committed_ids_are_served_from_memory_afterwards():
    ids = dependency_ids([FOO, BAR])
    assert Dependency.objects.get(pk=ids[FOO]).nevra == tuple(FOO)
    with CaptureQueriesContext(connection) as queries:
        assert dependency_ids([FOO]) == {FOO: ids[FOO]}
        assert known_dependency_ids([BAR]) == {BAR: ids[BAR]}
        assert dependency_nevras([ids[FOO], ids[BAR]]) == {ids[FOO]: FOO, ids[BAR]: BAR}
    assert dependency_queries(queries) == []


@pytest.mark.django_db(transaction=True)
def test_only_the_new_nevras_reach_the_database():
    dependency_ids([FOO])
    baz = Nevra("baz", 0, "1", "1", "x86_64")
    with CaptureQueriesContext(connection) as queries:
        ids = dependency_ids([FOO, baz])
    statements = dependency_queries(queries)
    assert statements and all("'foo'" not in sql for sql in statements)
    assert Dependency.objects.get(pk=ids[baz]).name == "baz"


@pytest.mark.django_db(transaction=True)
def test_ids_of_a_rolled_back_transaction_are_not_remembered():
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = dependency_ids([FOO])[FOO]
        raise RuntimeError
    assert not Dependency.objects.filter(pk=rolled_back).exists()
    ids = dependency_ids([FOO])
    assert ids[FOO] != rolled_back
    assert Dependency.objects.get(pk=ids[FOO]).nevra == tuple(FOO)


@pytest.mark.django_db(transaction=True)
def test_ids_are_remembered_once_their_transaction_commits():
    with transaction.atomic():
        ids = dependency_ids([FOO])
        assert FOO not in dependencies.known.by_nevra
    assert dependencies.known.by_nevra[FOO] == ids[FOO]


@pytest.mark.django_db(transaction=True)
def test_a_truncated_table_is_not_served_from_memory():
    old = dependency_ids([FOO])[FOO]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE dependency CASCADE")
    new = dependency_ids([FOO])[FOO]
    assert new != old
    assert Dependency.objects.get(pk=new).nevra == tuple(FOO)
    assert dependency_nevras([old]) == {}


@pytest.mark.django_db(transaction=True)
def test_a_null_epoch_row_reads_as_epoch_zero_and_is_not_taken_for_it():
    legacy = Dependency.objects.create(
        name="foo", epoch=None, version="1.0", release="1.fc42", arch="x86_64"
    )
    assert dependency_nevras([legacy.pk]) == {legacy.pk: FOO}
    assert dependency_ids([FOO])[FOO] != legacy.pk


@pytest.mark.django_db(transaction=True)
def test_memory_is_bounded():
    dependencies.known.limit = 2
    try:
        dependency_ids([FOO, BAR])
        assert len(dependencies.known.by_nevra) == 2
        dependency_ids([Nevra("baz", 0, "1", "1", "x86_64")])
        assert len(dependencies.known.by_nevra) == 1
    finally:
        dependencies.known.limit = dependencies.MAX_KNOWN
