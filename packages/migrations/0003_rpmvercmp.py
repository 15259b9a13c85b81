"""SQL functions rpmvercmp(a, b) and rpmvercmp_evr(e1, v1, r1, e2, v2, r2) (spec 3.15).

Segments are compared byte by byte (COLLATE "C"), as RPM does, whatever the database's
collation (upstream used the collation, spec section 8.20).
"""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION rpmvercmp_segments(s text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT m[1] FROM regexp_matches(s, '([0-9]+|[a-zA-Z]+|~|\^)', 'g')
                 WITH ORDINALITY AS t(m, n) ORDER BY n)
$$;

CREATE OR REPLACE FUNCTION rpmvercmp(a text, b text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    sa text[]; sb text[]; x text; y text; k int := 1;
BEGIN
    IF a = b THEN
        RETURN 0;
    END IF;
    sa := rpmvercmp_segments(a);
    sb := rpmvercmp_segments(b);
    LOOP
        x := sa[k];
        y := sb[k];
        k := k + 1;
        IF x IS NULL AND y IS NULL THEN
            RETURN 0;
        END IF;
        -- A tilde sorts before everything, the end of the string included.
        IF x = '~' OR y = '~' THEN
            IF x IS DISTINCT FROM '~' THEN RETURN 1; END IF;
            IF y IS DISTINCT FROM '~' THEN RETURN -1; END IF;
            CONTINUE;
        END IF;
        -- A caret sorts after the end of the string but before any other segment.
        IF x = '^' OR y = '^' THEN
            IF x IS NULL THEN RETURN -1; END IF;
            IF y IS NULL THEN RETURN 1; END IF;
            IF x <> '^' THEN RETURN 1; END IF;
            IF y <> '^' THEN RETURN -1; END IF;
            CONTINUE;
        END IF;
        IF x IS NULL THEN RETURN -1; END IF;
        IF y IS NULL THEN RETURN 1; END IF;
        IF x ~ '^[0-9]' THEN
            IF y !~ '^[0-9]' THEN RETURN 1; END IF;
            x := ltrim(x, '0');
            y := ltrim(y, '0');
            IF length(x) <> length(y) THEN
                RETURN CASE WHEN length(x) > length(y) THEN 1 ELSE -1 END;
            END IF;
        ELSIF y ~ '^[0-9]' THEN
            RETURN -1;
        END IF;
        IF x COLLATE "C" < y COLLATE "C" THEN RETURN -1; END IF;
        IF x COLLATE "C" > y COLLATE "C" THEN RETURN 1; END IF;
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION rpmvercmp_evr(e1 integer, v1 text, r1 text,
                                         e2 integer, v2 text, r2 text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN COALESCE(e1, 0) <> COALESCE(e2, 0)
            THEN CASE WHEN COALESCE(e1, 0) > COALESCE(e2, 0) THEN 1 ELSE -1 END
        WHEN rpmvercmp(COALESCE(v1, ''), COALESCE(v2, '')) <> 0
            THEN rpmvercmp(COALESCE(v1, ''), COALESCE(v2, ''))
        ELSE rpmvercmp(COALESCE(r1, ''), COALESCE(r2, ''))
    END
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS rpmvercmp_evr(integer, text, text, integer, text, text);
DROP FUNCTION IF EXISTS rpmvercmp(text, text);
DROP FUNCTION IF EXISTS rpmvercmp_segments(text);
"""


class Migration(migrations.Migration):
    dependencies = [("packages", "0002_all_blocked_trigger")]

    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
