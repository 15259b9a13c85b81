"""ON DELETE actions in SQL for the resolution bookkeeping tables (bulk SQL deletes)."""

from django.db import migrations

from koschei_site.migration_sql import on_delete


class Migration(migrations.Migration):
    dependencies = [
        ("resolution", "0003_resolution_runs"),
    ]

    operations = [
        on_delete("package_resolution", "package_id", "package", "CASCADE"),
        on_delete("resolution_run", "collection_id", "collection", "CASCADE"),
        on_delete("resolution_chunk", "run_id", "resolution_run", "CASCADE"),
    ]
