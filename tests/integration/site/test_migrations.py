"""The migrations undo and redo cleanly, create the SQL objects, and match the models."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from builds.models import Build
from packages.states import BuildState
from tests.factories import make_build, make_collection, make_package, reload

OUR_APPS = ("resolution", "builds", "packages")
OUR_TABLES = {"package", "base_package", "collection", "build", "koji_task", "dependency"}
SQL_FUNCTIONS = {
    "update_last_build",
    "build_changed",
    "refresh_all_blocked",
    "package_rows_inserted",
    "package_rows_updated",
    "package_rows_deleted",
    "rpmvercmp",
    "rpmvercmp_segments",
    "rpmvercmp_evr",
}
TRIGGERS = {
    ("build", "update_last_build_trigger"),
    ("build", "update_last_build_trigger_up"),
    ("build", "update_last_build_trigger_del"),
    ("package", "update_all_blocked_ins"),
    ("package", "update_all_blocked_up"),
    ("package", "update_all_blocked_del"),
}


def rows(query):
    with connection.cursor() as cursor:
        cursor.execute(query)
        return {row if len(row) > 1 else row[0] for row in cursor.fetchall()}


def tables():
    return rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")


def functions():
    return rows(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public'"
    )


def triggers():
    return rows(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal"
    )


def schema():
    """Every constraint, index, trigger and function of the public schema, as SQL text."""
    return {
        "constraints": rows(
            "SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
            "JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public'"
        ),
        "indexes": rows("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"),
        "triggers": rows(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
        ),
        "functions": rows(
            "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        ),
        "columns": rows(
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public'"
        ),
    }


def migrate(*args):
    call_command("migrate", *args, verbosity=0, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_migrating_to_zero_and_back_recreates_the_same_schema():
    before = schema()
    try:
        for app in OUR_APPS:
            migrate(app, "zero")
        assert not tables() & OUR_TABLES
        assert not functions() & SQL_FUNCTIONS
        assert not {name for _, name in triggers()} & {name for _, name in TRIGGERS}
    finally:
        migrate()
    assert triggers() >= TRIGGERS
    assert functions() >= SQL_FUNCTIONS
    assert tables() >= OUR_TABLES
    after = schema()
    for kind in before:
        assert after[kind] == before[kind], kind


@pytest.mark.django_db(transaction=True)
def test_the_triggers_and_functions_work_after_migrating_back_and_forth():
    try:
        migrate("packages", "zero")
    finally:
        migrate()
    package = make_package("foo", make_collection("f42"), tracked=True)
    build = make_build(package, BuildState.COMPLETE, hours_ago=3)
    assert reload(package).last_complete_build_id == build.id
    assert reload(build).last_complete
    assert not reload(package).base.all_blocked
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rpmvercmp('1.0^git1', '1.0'), rpmvercmp_evr(NULL, '1', '1', 0, '1', '1')"
        )
        assert cursor.fetchone() == (1, 0)
    Build.objects.all().delete()
    assert reload(package).last_build_id is None


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=StringIO())
    assert "No changes detected" in out.getvalue()
