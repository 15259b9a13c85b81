# intarray (PostgreSQL contrib, a trusted extension: the database owner may create it)
# gives int[] a sorting intersection operator: the incremental triage cuts each stored
# install set to the members a repo change can touch inside the database.

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("resolution", "0006_chunk_triage")]

    operations = [CreateExtension("intarray")]
