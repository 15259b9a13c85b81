"""Demo data for `make demo`: a small, seeded distribution in three collections.

It fills the database the admin shows until the Koji simulator (a later issue) feeds
the service live; nothing here pretends to be a running service.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from builds.models import Build, KojiTask
from builds.services.stats import refresh_stats
from packages.models import BasePackage, Collection, Package
from packages.services import (
    create_collection_group,
    create_group,
    set_notice,
    track_packages,
)
from packages.states import BuildState, KojiTaskState, LogEnvironment
from resolution.models import (
    AppliedChange,
    BuildrootProblem,
    Dependency,
    ResolutionChange,
    ResolutionProblem,
    UnappliedChange,
)

PACKAGES = [
    "bash",
    "coreutils",
    "glibc",
    "gcc",
    "make",
    "perl",
    "python3",
    "python-requests",
    "python-urllib3",
    "rpm",
    "dnf",
    "systemd",
    "openssl",
    "zlib",
    "xz",
    "bzip2",
    "curl",
    "git",
    "vim",
    "emacs",
    "gtk3",
    "glib2",
    "cairo",
    "pango",
    "libxml2",
    "sqlite",
    "postgresql",
    "redis",
    "nginx",
    "httpd",
    "java-21-openjdk",
    "maven",
    "ant",
    "junit",
    "golang",
    "rust",
    "cargo",
    "nodejs",
    "ruby",
    "rubygem-rake",
]
COLLECTIONS = (
    # name, display name, order, repo id, base buildroot resolves?
    ("f44", "Fedora Rawhide", 300, 4200, True),
    ("f43", "Fedora 43", 200, 4100, True),
    ("epel10", "EPEL 10", 100, 900, False),
)
ARCHES = ("x86_64", "i386", "armhfp")
OPERATOR = ("admin", "admin")


def demo_loaded() -> bool:
    return Collection.objects.filter(name=COLLECTIONS[0][0]).exists()


@transaction.atomic
def load_demo(*, seed: int = 42) -> dict[str, int]:
    """Create the demo operator and the demo distribution; returns row counts."""
    rng = random.Random(seed)
    operator = _operator()
    bases = [BasePackage.objects.get_or_create(name=name)[0] for name in PACKAGES]
    deps = _dependencies(rng)
    for name, display, order, repo_id, resolved in COLLECTIONS:
        collection = Collection.objects.create(
            name=name,
            display_name=display,
            order=order,
            target=name,
            dest_tag=name,
            build_tag=f"{name}-build",
            latest_repo_id=repo_id,
            latest_repo_resolved=resolved,
            bugzilla_product="Fedora",
            bugzilla_version="rawhide" if name == "f44" else name[1:],
        )
        if not resolved:
            collection.repo_error = "Base buildroot is not installable"
            collection.save(update_fields=["repo_error"])
            BuildrootProblem.objects.create(
                collection=collection,
                problem="Problem: nothing provides redhat-rpm-config needed by build-group",
            )
        _fill_collection(rng, collection, bases, deps, operator)
    create_collection_group(name="fedora", display_name="Fedora", collections=["f44", "f43"])
    create_collection_group(name="epel", display_name="EPEL", collections=["epel10"])
    create_group(
        full_name="core",
        user=operator,
        environment=LogEnvironment.ADMIN,
        content=PACKAGES[:12],
        maintainers=[operator.get_username()],
    )
    create_group(
        full_name="demo-packager/python",
        user=operator,
        environment=LogEnvironment.ADMIN,
        content=[n for n in PACKAGES if n.startswith("python")],
        maintainers=["demo-packager"],
    )
    set_notice(
        content="Demo instance: data is generated, builds are not real.",
        user=operator,
        environment=LogEnvironment.ADMIN,
    )
    refresh_stats()
    return {
        "collections": Collection.objects.count(),
        "packages": Package.objects.count(),
        "builds": Build.objects.count(),
    }


def _operator():
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=OPERATOR[0], defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password(OPERATOR[1])
        user.save()
    return user


def _dependencies(rng: random.Random) -> list[Dependency]:
    rows = []
    for name in ("glibc", "openssl-libs", "zlib", "python3-libs", "gcc-c++", "libstdc++"):
        for minor in range(3):
            rows.append(
                Dependency(
                    name=name,
                    epoch=None,
                    version=f"3.{minor}",
                    release=f"{rng.randint(1, 9)}.fc44",
                    arch="x86_64",
                )
            )
    return Dependency.objects.bulk_create(rows)


def _fill_collection(rng, collection, bases, deps, operator) -> None:
    packages = Package.objects.bulk_create(
        [
            Package(base=base, name=base.name, collection=collection, blocked=rng.random() < 0.05)
            for base in bases
        ]
    )
    names = [p.name for p in packages if not p.blocked and rng.random() < 0.85]
    track_packages(
        collection=collection, names=names, user=operator, environment=LogEnvironment.ADMIN
    )
    now = timezone.now()
    for package in Package.objects.filter(collection=collection, tracked=True):
        _builds(rng, package, now, collection.latest_repo_id)
        _resolution(rng, package, now, deps)


def _builds(rng, package, now, repo_id) -> None:
    started = now - timedelta(days=rng.randint(20, 60))
    for number in range(rng.randint(1, 5)):
        started += timedelta(hours=rng.randint(12, 200))
        running = started > now - timedelta(hours=3)
        state = (
            BuildState.RUNNING
            if running
            else rng.choice([BuildState.COMPLETE] * 4 + [BuildState.FAILED])
        )
        build = Build.objects.create(
            package=package,
            state=state,
            task_id=rng.randint(10**7, 10**8),
            started=started,
            finished=None if running else started + timedelta(minutes=rng.randint(3, 240)),
            version=f"{rng.randint(1, 9)}.{number}",
            release=f"{number + 1}.fc44",
            repo_id=None if running else repo_id - rng.randint(0, 50),
            real=not running and number == 0,
            deps_resolved=None if running else True,
        )
        for arch in ARCHES:
            KojiTask.objects.create(
                build=build,
                task_id=build.task_id + ARCHES.index(arch) + 1,
                arch=arch,
                state=KojiTaskState.OPEN
                if running
                else (
                    KojiTaskState.CLOSED if state == BuildState.COMPLETE else KojiTaskState.FAILED
                ),
                started=started,
                finished=build.finished,
            )


def _resolution(rng, package, now, deps) -> None:
    resolved = rng.random() > 0.1 and package.collection.latest_repo_resolved
    change = ResolutionChange.objects.create(package=package, resolved=bool(resolved))
    if not resolved:
        ResolutionProblem.objects.create(
            resolution=change, problem=f"No package found for: {package.name}-devel-missing"
        )
    Package.objects.filter(pk=package.pk).update(resolved=bool(resolved))
    if resolved and rng.random() < 0.4:
        prev, curr = rng.sample(deps, 2)
        UnappliedChange.objects.create(
            package=package, prev_dep=prev, curr_dep=curr, distance=rng.choice([1, 2, 3, None])
        )
        last = package.builds.exclude(state=BuildState.RUNNING).first()
        if last:
            AppliedChange.objects.create(
                build=last, prev_dep=curr, curr_dep=prev, distance=rng.choice([1, 2, None])
            )
