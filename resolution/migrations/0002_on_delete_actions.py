"""ON DELETE actions in SQL for the resolution tables (bulk SQL deletes rely on them)."""

from django.db import migrations

from koschei_site.migration_sql import on_delete


class Migration(migrations.Migration):
    dependencies = [
        ("resolution", "0001_initial"),
        ("builds", "0003_last_build_triggers"),
        ("packages", "0002_all_blocked_trigger"),
    ]

    operations = [
        on_delete("resolution_change", "package_id", "package", "CASCADE"),
        on_delete("resolution_problem", "resolution_id", "resolution_change", "CASCADE"),
        on_delete("applied_change", "build_id", "build", "CASCADE"),
        on_delete("applied_change", "prev_dep_id", "dependency", "CASCADE"),
        on_delete("applied_change", "curr_dep_id", "dependency", "CASCADE"),
        on_delete("unapplied_change", "package_id", "package", "CASCADE"),
        on_delete("unapplied_change", "prev_dep_id", "dependency", "CASCADE"),
        on_delete("unapplied_change", "curr_dep_id", "dependency", "CASCADE"),
        on_delete("buildroot_problem", "collection_id", "collection", "CASCADE"),
    ]
