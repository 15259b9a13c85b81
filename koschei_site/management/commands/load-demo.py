"""manage.py load-demo: fill an empty database with the seeded demo distribution."""

from django.core.management.base import BaseCommand, CommandError

from koschei_site.demo import OPERATOR, demo_loaded, load_demo


class Command(BaseCommand):
    """Load demo collections, packages, builds, groups and the demo operator account."""

    help = "Load the demo distribution (once; does nothing when it is already loaded)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")

    def handle(self, *args, seed: int, **options):
        from django.conf import settings

        if not settings.DEBUG:
            raise CommandError(
                "load-demo creates an admin/admin account: development only (set KOSCHEI_DEBUG=1)"
            )
        if demo_loaded():
            self.stdout.write("Demo data already loaded.")
            return
        counts = load_demo(seed=seed)
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(
            f"Demo data loaded: {summary}. Demo operator: {OPERATOR[0]} / {OPERATOR[1]}"
        )
