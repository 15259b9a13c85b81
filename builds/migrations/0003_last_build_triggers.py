"""Triggers keeping package.last_build_id / last_complete_build_id exact (spec 5.2).

update_last_build() locks the package row before it reads the builds, so two concurrent
writers are serialised and the second one sees the first one's committed build.
"""

from django.db import migrations

from koschei_site.migration_sql import on_delete

FUNCTIONS = """
CREATE OR REPLACE FUNCTION update_last_build(pkg_id bigint) RETURNS void AS $$
DECLARE
    cur_lb bigint; cur_lcb bigint; cur_lcb_state int;
    lb_id bigint; lb_state int; lcb_id bigint; lcb_state int;
BEGIN
    SELECT last_build_id, last_complete_build_id, last_complete_build_state
        INTO cur_lb, cur_lcb, cur_lcb_state
        FROM package WHERE id = pkg_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- A new statement, hence a new snapshot: builds committed while we waited count.
    SELECT id, state INTO lb_id, lb_state FROM build
        WHERE package_id = pkg_id AND NOT untagged
        ORDER BY started DESC, id DESC LIMIT 1;
    IF lb_state = 2 THEN
        SELECT id, state INTO lcb_id, lcb_state FROM build
            WHERE package_id = pkg_id AND NOT untagged AND state IN (3, 5)
            ORDER BY started DESC, id DESC LIMIT 1;
    ELSE
        lcb_id := lb_id;
        lcb_state := lb_state;
    END IF;
    IF cur_lb IS DISTINCT FROM lb_id THEN
        UPDATE package SET last_build_id = lb_id WHERE id = pkg_id;
    END IF;
    IF cur_lcb IS DISTINCT FROM lcb_id OR cur_lcb_state IS DISTINCT FROM lcb_state THEN
        UPDATE package SET last_complete_build_id = lcb_id, last_complete_build_state = lcb_state
            WHERE id = pkg_id;
    END IF;
    IF cur_lcb IS DISTINCT FROM lcb_id THEN
        UPDATE build SET last_complete = false
            WHERE package_id = pkg_id AND last_complete AND id IS DISTINCT FROM lcb_id;
        UPDATE build SET last_complete = true WHERE id = lcb_id AND NOT last_complete;
    END IF;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION build_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM update_last_build(OLD.package_id) FROM package
            WHERE id = OLD.package_id
              AND (last_build_id IS NULL OR last_build_id = OLD.id
                   OR last_complete_build_id = OLD.id);
        RETURN OLD;
    END IF;
    PERFORM update_last_build(NEW.package_id);
    IF TG_OP = 'UPDATE' AND OLD.package_id <> NEW.package_id THEN
        PERFORM update_last_build(OLD.package_id);
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER update_last_build_trigger AFTER INSERT ON build
    FOR EACH ROW EXECUTE FUNCTION build_changed();
CREATE TRIGGER update_last_build_trigger_up AFTER UPDATE ON build
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state
                       OR OLD.untagged IS DISTINCT FROM NEW.untagged
                       OR OLD.started IS DISTINCT FROM NEW.started
                       OR OLD.package_id IS DISTINCT FROM NEW.package_id)
    EXECUTE FUNCTION build_changed();
CREATE TRIGGER update_last_build_trigger_del AFTER DELETE ON build
    FOR EACH ROW EXECUTE FUNCTION build_changed();
"""

DROP = """
DROP TRIGGER IF EXISTS update_last_build_trigger ON build;
DROP TRIGGER IF EXISTS update_last_build_trigger_up ON build;
DROP TRIGGER IF EXISTS update_last_build_trigger_del ON build;
DROP FUNCTION IF EXISTS build_changed();
DROP FUNCTION IF EXISTS update_last_build(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("builds", "0002_build_package"),
        ("packages", "0001_initial"),
    ]

    operations = [
        on_delete("build", "package_id", "package", "CASCADE"),
        on_delete("koji_task", "build_id", "build", "CASCADE"),
        on_delete("package", "last_build_id", "build", "SET NULL"),
        migrations.RunSQL(FUNCTIONS, DROP),
    ]
