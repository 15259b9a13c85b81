"""create-db, koschei-config and psql on real PostgreSQL."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from tests.integration.admin_commands import run

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
UNPRIV = "koschei_unpriv"


def privilege(check: str, role: str, obj: str, what: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {check}(%s, %s, %s)", [role, obj, what])
        return cursor.fetchone()[0]


@pytest.fixture
def koschei(settings):
    """A private copy of settings.KOSCHEI that a test may change."""
    settings.KOSCHEI = copy.deepcopy(settings.KOSCHEI)
    return settings.KOSCHEI


# create-db


def test_create_db_grants_dml_on_tables_and_sequences_to_the_unprivileged_role(koschei):
    koschei["unpriv_db_username"] = UNPRIV
    assert not privilege("has_table_privilege", UNPRIV, "package", "INSERT")
    out = run("create-db")
    for table in ("package", "build", "log_entry", "resolution_change"):
        for action in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            assert privilege("has_table_privilege", UNPRIV, table, action)
    assert privilege("has_sequence_privilege", UNPRIV, "package_id_seq", "USAGE")
    assert not privilege("has_table_privilege", UNPRIV, "package", "TRUNCATE")
    assert f"Granted table and sequence access to {UNPRIV}" in out
    assert out.endswith("Database ready\n")


def test_create_db_without_an_unprivileged_role_only_migrates(koschei):
    koschei["unpriv_db_username"] = None
    out = run("create-db")
    assert "Granted" not in out
    assert not privilege("has_table_privilege", UNPRIV, "package", "SELECT")


def test_create_db_with_an_unknown_role_fails_before_migrating(koschei):
    koschei["unpriv_db_username"] = "no_such_role"
    with pytest.raises(CommandError, match=r"^Database role not found: no_such_role$") as info:
        run("create-db")
    assert "\n" not in str(info.value)


# koschei-config


@pytest.fixture
def secret_config(koschei):
    koschei["database_config"]["password"] = "db-hunter2"
    koschei["flask"]["SECRET_KEY"] = "flask-hunter2"
    koschei["koji_config"]["login_args"] = {"cert": "/etc/koschei/hunter2.pem"}
    koschei["fedmsg-publisher"]["api_token"] = "token-hunter2"
    koschei["fedmsg"]["amqp_url"] = "amqps://koschei:url-hunter2@broker.example.org/"
    koschei["my_own_key"] = "whatever"
    return koschei


def test_koschei_config_prints_the_merged_configuration_with_secrets_masked(secret_config):
    out = run("koschei-config")
    assert "hunter2" not in out
    assert '"password": "********"' in out
    assert '"SECRET_KEY": "********"' in out
    assert '"cert": "********"' in out
    assert '"api_token": "********"' in out
    assert "amqps://koschei:********@broker.example.org/" in out
    assert '"build_arches": [' in out
    assert f'"server": "{settings.KOSCHEI["koji_config"]["server"]}"' in out


def test_koschei_config_shows_the_django_settings_it_maps_to(secret_config):
    out = run("koschei-config")
    assert f'"NAME": "{settings.DATABASES["default"]["NAME"]}"' in out
    assert "SECRET_KEY = ********" in out
    assert "Q_CLUSTER.broker = django ORM (database default)" in out
    assert settings.SECRET_KEY not in out


def test_koschei_config_lists_unused_keys(secret_config):
    out = run("koschei-config")
    unused = out.split("# Unused keys")[1].split()
    assert "my_own_key" in unused
    assert "alembic.alembic_ini" in unused


def test_koschei_config_json_is_one_parsable_document(secret_config, settings):
    settings.Q_CLUSTER = {"name": "koschei", "redis": "redis://:redis-hunter2@cache:6379/0"}
    report = json.loads(run("koschei-config", "--json"))
    assert "hunter2" not in json.dumps(report)
    assert report["koschei"]["database_config"]["password"] == "********"
    assert report["koschei"]["unpriv_db_username"] is None
    assert report["django"]["Q_CLUSTER.broker"] == "redis redis://:********@cache:6379/0"
    assert "my_own_key" in report["unused_keys"]
    assert list(report["koschei"]) == sorted(report["koschei"])


def test_koschei_config_leaves_unset_secrets_visible_as_unset(koschei):
    koschei["flask"]["SECRET_KEY"] = None
    report = json.loads(run("koschei-config", "--json"))
    assert report["koschei"]["flask"]["SECRET_KEY"] is None


# psql


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    """manage.py against this test database (rows of the test transaction are invisible)."""
    db = connection.settings_dict
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    url = f"postgresql://{db['USER']}:{db['PASSWORD']}@{host}/{db['NAME']}"
    env = {**os.environ, "KOSCHEI_DEBUG": "1", "KOSCHEI_CONFIG": "", "KOSCHEI_DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_psql_is_listed_with_its_help():
    result = manage("help", "psql")
    assert result.returncode == 0
    assert "Run psql on Koschei's database" in result.stdout
    assert "psql" in manage("help").stdout.split()


def test_psql_passes_its_arguments_to_psql_on_the_configured_database():
    result = manage("psql", "-At", "-c", "SELECT current_database()")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == connection.settings_dict["NAME"]


def test_psql_accepts_a_double_dash_before_the_psql_arguments():
    result = manage("psql", "--", "-At", "-c", "SELECT 6 * 7")
    assert result.stdout.strip() == "42"


def test_psql_with_bad_sql_exits_non_zero():
    result = manage("psql", "-c", "SELEC 1")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("CommandError:")
