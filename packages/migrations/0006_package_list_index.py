"""An index in the package list's default order: any page of it is an index range, not a sort."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("builds", "0013_drop_last_complete_started_index"),
        ("packages", "0005_package_last_build_started"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="package",
            index=models.Index(
                models.F("collection"),
                models.ExpressionWrapper(
                    models.Q(("last_build", models.F("last_complete_build"))),
                    output_field=models.BooleanField(),
                ),
                models.F("resolved"),
                models.OrderBy(
                    models.Case(
                        models.When(last_build__isnull=True, then=None),
                        models.When(
                            last_build=models.F("last_complete_build"),
                            then=models.F("last_complete_build_state"),
                        ),
                        default=models.Value(2),
                        output_field=models.IntegerField(),
                    ),
                    descending=True,
                ),
                models.F("name"),
                models.F("id"),
                condition=models.Q(("blocked", False), ("tracked", True)),
                name="ix_package_list_default",
            ),
        ),
    ]
