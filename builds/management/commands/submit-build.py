"""``manage.py submit-build NAMES... [-c COLL]``: scratch-build packages now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from builds.commands import koji_sessions
from builds.koji import KojiSessions
from builds.services.submit import package_arches, submit_build
from koschei_site.commands import KoscheiCommand
from packages.models import Package
from packages.services import get_collection


class Command(KoscheiCommand):
    """Submit scratch builds regardless of priority and Koji load (arches still apply)."""

    help = "Submit scratch builds of packages in collections whose buildroot resolves."
    atomic = False  # never hold a transaction while Koji is called

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="+", metavar="NAME")
        parser.add_argument("-c", "--collection", help="only this collection")

    def handle(self, *args: Any, **options: Any) -> None:
        packages = Package.objects.filter(
            name__in=options["names"], collection__latest_repo_resolved=True
        ).select_related("collection", "last_complete_build")
        if options["collection"]:
            packages = packages.filter(collection=get_collection(options["collection"]))
        packages = list(packages.order_by("name", "collection__name"))
        if not packages:
            raise CommandError("No such package in a collection whose buildroot resolves")
        sessions = koji_sessions(self)
        submitted = 0
        for package in packages:
            submitted += self._submit(package, sessions)
        self.done(f"Submitted {submitted} of {len(packages)} builds")

    def _submit(self, package: Package, sessions: KojiSessions) -> int:
        where = f"{package.name} in {package.collection.name}"
        arches = package_arches(package=package, sessions=sessions)
        if arches is None:
            self.stderr.write(f"No SRPM found for {where}")
            return 0
        if not arches:
            self.stderr.write(f"No allowed arches found for {where}")
            return 0
        build = submit_build(
            package=package, sessions=sessions, arch_override=None if "noarch" in arches else arches
        )
        if build is None:
            self.stderr.write(f"No SRPM found for {where}")
            return 0
        self.stdout.write(f"Submitted {where}: task {build.task_id}")
        return 1
