"""The demo of `make demo`: a collection fed by kojisim through the project's own services.

scripts/demo starts kojisim with its demo scenario and points the Koji configuration at
it; this module creates the demo operator and, once, the collection: package list and
real builds come from the simulated Koji exactly as they would from Fedora's.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from builds.koji import KojiSessions
from builds.services.collections import create_collection, read_target
from builds.services.package_list import refresh_packages
from builds.services.real_builds import refresh_latest_builds
from builds.services.stats import refresh_stats
from packages.models import Collection, Package
from packages.services import (
    create_collection_group,
    create_group,
    set_notice,
    track_packages,
)
from packages.states import LogEnvironment

DEMO_TARGET = "f43"  # the target of kojisim/scenarios/demo.yaml
OPERATOR = ("admin", "admin")
ADMIN = LogEnvironment.ADMIN


def demo_loaded(target: str = DEMO_TARGET) -> bool:
    return Collection.objects.filter(name=target).exists()


def load_demo(*, sessions: KojiSessions, target: str = DEMO_TARGET) -> dict[str, int]:
    """Create the demo operator and a collection named after a Koji target (its dest tag
    holding the packages), fed from Koji; returns row counts."""
    koji_target = read_target(sessions=sessions, name=target, secondary_mode=False)
    with transaction.atomic():
        operator = demo_operator()
        collection = create_collection(
            name=target,
            display_name=f"{target} (kojisim)",
            target=koji_target,
            dest_tag=koji_target.dest_tag,
            user=operator,
            environment=ADMIN,
        )
    refresh_packages(collection=collection, sessions=sessions)
    names = list(
        Package.objects.filter(collection=collection, blocked=False)
        .order_by("name")
        .values_list("name", flat=True)
    )
    track_packages(collection=collection, names=names, user=operator, environment=ADMIN)
    refresh_latest_builds(collection=collection, sessions=sessions)
    create_collection_group(
        name="fedora", display_name="Fedora", collections=[target], user=operator, environment=ADMIN
    )
    create_group(
        full_name="demo-core",
        user=operator,
        environment=ADMIN,
        content=names[: max(1, len(names) // 3)],
        maintainers=[OPERATOR[0]],
    )
    set_notice(
        content="Demo instance: Koji is simulated by kojisim on this machine.",
        user=operator,
        environment=ADMIN,
    )
    refresh_stats()
    return {
        "packages": len(names),
        "builds": collection.packages.filter(last_build__isnull=False).count(),
    }


def demo_operator() -> AbstractBaseUser:
    """The demo's staff account (admin / admin), created once."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=OPERATOR[0], defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password(OPERATOR[1])
        user.save()
    return user
