"""Database set-up beyond migrations: privileges of the unprivileged role (create-db)."""

from __future__ import annotations

from django.db import connection, transaction


class UnknownRoleError(Exception):
    """The configured database role does not exist."""


def role_exists(role: str) -> bool:
    """Whether a database role of this name exists."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def quote_identifier(name: str) -> str:
    """A PostgreSQL identifier, quoted (embedded double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


@transaction.atomic
def grant_unprivileged_access(*, role: str) -> None:
    """Grant a role DML on every table and use of every sequence in schema public.

    Idempotent; grants cover existing objects only, so create-db runs it again after
    migrations that add tables.
    """
    if not role_exists(role):
        raise UnknownRoleError(f"Database role not found: {role}")
    quoted = quote_identifier(role)
    with connection.cursor() as cursor:
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
