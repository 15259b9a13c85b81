"""manage.py load-demo: the demo operator and a collection fed by the configured Koji."""

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from builds.commands import koji_sessions
from builds.demo import DEMO_TARGET, OPERATOR, demo_loaded, load_demo
from koschei_site.commands import KoscheiCommand


class Command(KoscheiCommand):
    """Load the demo (development only): it creates an admin / admin account."""

    help = "Create the demo operator and the demo collection from Koji (kojisim in make demo)."
    atomic = False  # Koji is read between the services' own transactions

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--target",
            default=DEMO_TARGET,
            help=f"Koji target to make the collection from (default {DEMO_TARGET})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "load-demo creates an admin/admin account: development only (set KOSCHEI_DEBUG=1)"
            )
        if demo_loaded(options["target"]):
            self.done("Demo data already loaded.")
            return
        counts = load_demo(sessions=koji_sessions(self), target=options["target"])
        self.done(
            f"Demo loaded from Koji: {counts['packages']} packages tracked, "
            f"{counts['builds']} with builds. Demo operator: {OPERATOR[0]} / {OPERATOR[1]}"
        )
