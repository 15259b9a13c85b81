# RepoMapping now belongs to builds (builds/0006); the table repo_mapping stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("builds", "0006_repo_mapping"),
        ("resolution", "0009_run_repo_packages"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RepoMapping")],
            database_operations=[],
        ),
    ]
