"""SQL helpers used by migrations; migrations depend on them, so change them never.

Django 5.2 applies ``on_delete`` in Python only; the database triggers and raw-SQL bulk
deletions rely on real ON DELETE actions, which these statements create.
"""

from django.db import migrations

FIND_FK = """
    SELECT con.conname FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
    WHERE con.contype = 'f' AND rel.relname = '{table}' AND att.attname = '{column}'
"""


def _replace_fk(table: str, column: str, target: str, action: str, name: str) -> str:
    return f"""
    DO $$
    DECLARE fk text;
    BEGIN
        FOR fk IN {FIND_FK.format(table=table, column=column)} LOOP
            EXECUTE format('ALTER TABLE {table} DROP CONSTRAINT %I', fk);
        END LOOP;
    END $$;
    ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column})
        REFERENCES {target} (id) {action} DEFERRABLE INITIALLY DEFERRED;
    """


def on_delete(table: str, column: str, target: str, action: str) -> migrations.RunSQL:
    """Recreate the foreign key ``table.column -> target.id`` with ``ON DELETE action``."""
    name = f"{table}_{column}_fk_{action.lower().replace(' ', '_')}"
    return migrations.RunSQL(
        _replace_fk(table, column, target, f"ON DELETE {action}", name),
        _replace_fk(table, column, target, "", f"{table}_{column}_fk"),
    )
