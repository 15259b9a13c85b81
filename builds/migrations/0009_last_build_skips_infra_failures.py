"""The last-build triggers pass over infrastructure failures (DESIGN 13.3).

A build Koji failed (``build.infra_failure`` set) is neither a package's last build nor
its last complete one: its package keeps the state and pointers it had before the build,
so it is schedulable again and the scheduler retries it after a backoff.  The function is
0003's with ``infra_failure = ''`` beside ``NOT untagged``; the update trigger also fires
when the flag alone changes.
"""

from django.db import migrations

FUNCTION = """
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
        WHERE package_id = pkg_id AND NOT untagged AND infra_failure = ''
        ORDER BY started DESC, id DESC LIMIT 1;
    IF lb_state = 2 THEN
        SELECT id, state INTO lcb_id, lcb_state FROM build
            WHERE package_id = pkg_id AND NOT untagged AND infra_failure = '' AND state IN (3, 5)
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
"""

FUNCTION_BEFORE = """
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
"""

TRIGGER_UP = """
DROP TRIGGER IF EXISTS update_last_build_trigger_up ON build;
CREATE TRIGGER update_last_build_trigger_up AFTER UPDATE ON build
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state
                       OR OLD.untagged IS DISTINCT FROM NEW.untagged
                       OR OLD.infra_failure IS DISTINCT FROM NEW.infra_failure
                       OR OLD.started IS DISTINCT FROM NEW.started
                       OR OLD.package_id IS DISTINCT FROM NEW.package_id)
    EXECUTE FUNCTION build_changed();
"""

TRIGGER_UP_BEFORE = """
DROP TRIGGER IF EXISTS update_last_build_trigger_up ON build;
CREATE TRIGGER update_last_build_trigger_up AFTER UPDATE ON build
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state
                       OR OLD.untagged IS DISTINCT FROM NEW.untagged
                       OR OLD.started IS DISTINCT FROM NEW.started
                       OR OLD.package_id IS DISTINCT FROM NEW.package_id)
    EXECUTE FUNCTION build_changed();
"""


class Migration(migrations.Migration):
    dependencies = [("builds", "0008_build_infra_failure")]

    operations = [
        migrations.RunSQL(
            FUNCTION + TRIGGER_UP,
            FUNCTION_BEFORE + TRIGGER_UP_BEFORE,
        ),
    ]
