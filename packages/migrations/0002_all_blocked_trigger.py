"""base_package.all_blocked kept by statement triggers; ON DELETE actions in SQL.

Upstream rescanned the whole package table on every statement; these triggers look only
at the base packages of the rows a statement touched (transition tables), and lock those
base rows first so that concurrent writers cannot both compute from a stale view.
"""

from django.db import migrations

from koschei_site.migration_sql import on_delete

FUNCTIONS = """
CREATE OR REPLACE FUNCTION refresh_all_blocked(base_ids bigint[]) RETURNS void AS $$
BEGIN
    PERFORM 1 FROM base_package WHERE id = ANY (base_ids) ORDER BY id FOR UPDATE;
    UPDATE base_package b SET all_blocked = agg.all_blocked
        FROM (SELECT bp.id, COALESCE(bool_and(p.blocked), true) AS all_blocked
              FROM base_package bp LEFT JOIN package p ON p.base_id = bp.id
              WHERE bp.id = ANY (base_ids) GROUP BY bp.id) agg
        WHERE b.id = agg.id AND b.all_blocked IS DISTINCT FROM agg.all_blocked;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION package_rows_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM refresh_all_blocked(ARRAY(SELECT DISTINCT base_id FROM new_rows));
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION package_rows_updated() RETURNS trigger AS $$
BEGIN
    PERFORM refresh_all_blocked(ARRAY(
        SELECT n.base_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.blocked IS DISTINCT FROM n.blocked OR o.base_id <> n.base_id
        UNION
        SELECT o.base_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.base_id <> n.base_id));
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION package_rows_deleted() RETURNS trigger AS $$
BEGIN
    PERFORM refresh_all_blocked(ARRAY(SELECT DISTINCT base_id FROM old_rows));
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER update_all_blocked_ins AFTER INSERT ON package
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION package_rows_inserted();
CREATE TRIGGER update_all_blocked_up AFTER UPDATE ON package
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION package_rows_updated();
CREATE TRIGGER update_all_blocked_del AFTER DELETE ON package
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION package_rows_deleted();
"""

DROP = """
DROP TRIGGER IF EXISTS update_all_blocked_ins ON package;
DROP TRIGGER IF EXISTS update_all_blocked_up ON package;
DROP TRIGGER IF EXISTS update_all_blocked_del ON package;
DROP FUNCTION IF EXISTS package_rows_inserted();
DROP FUNCTION IF EXISTS package_rows_updated();
DROP FUNCTION IF EXISTS package_rows_deleted();
DROP FUNCTION IF EXISTS refresh_all_blocked(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [("packages", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        on_delete("package", "base_id", "base_package", "CASCADE"),
        on_delete("package", "collection_id", "collection", "CASCADE"),
        on_delete("collection_group_relation", "collection_id", "collection", "CASCADE"),
        on_delete("collection_group_relation", "group_id", "collection_group", "CASCADE"),
        on_delete("package_group_relation", "group_id", "package_group", "CASCADE"),
        on_delete("package_group_relation", "base_id", "base_package", "CASCADE"),
        on_delete("group_acl", "group_id", "package_group", "CASCADE"),
        on_delete("log_entry", "base_id", "base_package", "CASCADE"),
        on_delete("log_entry", "user_id", "auth_user", "CASCADE"),
        on_delete("group_acl", "user_id", "auth_user", "CASCADE"),
        migrations.RunSQL(FUNCTIONS, DROP),
    ]
