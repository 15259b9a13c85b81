"""``manage.py create-db``: create or upgrade the schema and grant the unprivileged role."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from koschei_site.database import UnknownRoleError, grant_unprivileged_access, role_exists


class Command(BaseCommand):
    """Migrate (tables, triggers, rpmvercmp) and grant DML to ``unpriv_db_username`` if set."""

    help = (
        "Create or upgrade the database schema (all SQL objects are migrations), then grant "
        "DML on every table and sequence to KOSCHEI['unpriv_db_username'] when it is set."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        role = settings.KOSCHEI.get("unpriv_db_username")
        # Check the role first: a bad configuration must not leave a half-done set-up.
        if role and not role_exists(role):
            raise CommandError(f"Database role not found: {role}")
        call_command(
            "migrate",
            interactive=False,
            verbosity=options["verbosity"],
            stdout=self.stdout._out,
            stderr=self.stderr._out,
        )
        if role:
            try:
                grant_unprivileged_access(role=role)
            except UnknownRoleError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Granted table and sequence access to {role}")
        self.stdout.write("Database ready")
