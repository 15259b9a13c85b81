"""The last-build trigger also keeps package.last_build_started (when last_build started).

The scheduler's priority query reads the time term's input from the package row instead of
joining every schedulable package's last build.  The function is 0009's (infrastructure
failures passed over) plus the start time; the trigger on build UPDATE already fires when
``started`` changes.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION update_last_build(pkg_id bigint) RETURNS void AS $$
DECLARE
    cur_lb bigint; cur_lb_started timestamptz; cur_lcb bigint; cur_lcb_state int;
    lb_id bigint; lb_state int; lb_started timestamptz; lcb_id bigint; lcb_state int;
BEGIN
    SELECT last_build_id, last_build_started, last_complete_build_id, last_complete_build_state
        INTO cur_lb, cur_lb_started, cur_lcb, cur_lcb_state
        FROM package WHERE id = pkg_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- A new statement, hence a new snapshot: builds committed while we waited count.
    SELECT id, state, started INTO lb_id, lb_state, lb_started FROM build
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
    IF cur_lb IS DISTINCT FROM lb_id OR cur_lb_started IS DISTINCT FROM lb_started THEN
        UPDATE package SET last_build_id = lb_id, last_build_started = lb_started
            WHERE id = pkg_id;
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

BACKFILL = """
UPDATE package p SET last_build_started = b.started
    FROM build b WHERE b.id = p.last_build_id
      AND p.last_build_started IS DISTINCT FROM b.started;
"""

# 0009's function (infrastructure failures passed over), restored when reversed.
PREVIOUS_FUNCTION = """
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


class Migration(migrations.Migration):
    dependencies = [
        ("builds", "0011_submission_claim_request"),
        ("packages", "0005_package_last_build_started"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION + BACKFILL, PREVIOUS_FUNCTION),
    ]
