# RepoMapping moves from resolution to builds (the scheduler and the polling step that
# keep it are in builds, which may not import resolution).  The table stays as it is:
# only Django's model state moves; resolution's 0010 removes it from resolution's state.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("builds", "0005_scheduler_indexes"),
        # where the table repo_mapping is created
        ("resolution", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RepoMapping",
                    fields=[
                        ("secondary_id", models.IntegerField(primary_key=True, serialize=False)),
                        ("primary_id", models.IntegerField(blank=True, null=True)),
                        ("task_id", models.IntegerField()),
                    ],
                    options={
                        "db_table": "repo_mapping",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
