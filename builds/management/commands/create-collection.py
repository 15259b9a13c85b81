"""``manage.py create-collection NAME -d DISPLAY -t TARGET ...``: a collection from Koji."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from builds.koji import KojiSessions
from builds.services.collections import create_collection
from koschei_site.commands import KoscheiCommand, parse_bool

SETTINGS = (
    "order",
    "priority_coefficient",
    "build_group",
    "poll_untracked",
    "bugzilla_product",
    "bugzilla_version",
)


def add_collection_options(parser: CommandParser, *, required: bool) -> None:
    """Options shared by create-collection and edit-collection."""
    parser.add_argument("-d", "--display-name", required=required, help="name shown in the UI")
    parser.add_argument("-t", "--target", required=required, help="Koji build target")
    parser.add_argument("--dest-tag", help="Koji tag of packages and builds (default: build tag)")
    parser.add_argument(
        "-m",
        "--mode",
        choices=["primary", "secondary"],
        help="read packages and repos from the primary or secondary Koji",
    )
    parser.add_argument(
        "-p",
        "--priority-coefficient",
        type=float,
        help="scales the dynamic part of priorities (default 1)",
    )
    parser.add_argument("-o", "--order", type=int, help="display order, higher first")
    parser.add_argument("--build-group", help="comps group of the base buildroot")
    parser.add_argument(
        "--poll-untracked",
        type=parse_bool,
        metavar="BOOL",
        help="register real builds of untracked packages too (true/false)",
    )
    parser.add_argument("--bugzilla-product")
    parser.add_argument("--bugzilla-version")


def settings_from(options: dict[str, Any]) -> dict[str, Any]:
    return {key: options[key] for key in SETTINGS if options.get(key) is not None}


class Command(KoscheiCommand):
    """Create a collection; its build tag comes from Koji's target."""

    help = "Create a collection for a Koji build target."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="machine name, e.g. f42")
        add_collection_options(parser, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        collection = create_collection(
            name=options["name"],
            display_name=options["display_name"],
            target=options["target"],
            dest_tag=options["dest_tag"],
            secondary_mode=options["mode"] == "secondary",
            sessions=KojiSessions.from_settings(),
            user=self.operator,
            environment=self.environment,
            **settings_from(options),
        )
        self.done(
            f"Collection {collection.name} created (build tag {collection.build_tag}, "
            f"dest tag {collection.dest_tag})"
        )
