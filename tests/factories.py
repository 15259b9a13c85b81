"""Test data factories: plain functions that create rows through the ORM."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from builds.models import Build, KojiTask
from packages.models import BasePackage, Collection, Package, PackageGroup
from packages.states import BuildState
from resolution.models import Dependency, ResolutionChange, ResolutionProblem

_task_ids = itertools.count(1000)


def make_collection(name: str = "f42", **fields: Any) -> Collection:
    defaults = {
        "display_name": f"Fedora {name}",
        "target": f"{name}",
        "dest_tag": f"{name}",
        "build_tag": f"{name}-build",
    }
    return Collection.objects.create(name=name, **{**defaults, **fields})


def make_package(name: str, collection: Collection, **fields: Any) -> Package:
    base, _ = BasePackage.objects.get_or_create(name=name)
    package = Package.objects.create(base=base, name=name, collection=collection, **fields)
    return Package.objects.select_related("collection").get(pk=package.pk)


def make_build(
    package: Package,
    state: int = BuildState.COMPLETE,
    started: datetime | None = None,
    hours_ago: float | None = None,
    **fields: Any,
) -> Build:
    if started is None:
        started = timezone.now() - timedelta(hours=hours_ago or 0)
    defaults: dict[str, Any] = {"task_id": next(_task_ids)}
    if state != BuildState.RUNNING:
        defaults.update(version="1.0", release="1.fc42", repo_id=1, finished=started)
    return Build.objects.create(
        package=package, state=state, started=started, **{**defaults, **fields}
    )


def make_task(build: Build, arch: str = "x86_64", state: int = 2, **fields: Any) -> KojiTask:
    return KojiTask.objects.create(
        build=build,
        task_id=next(_task_ids),
        arch=arch,
        state=state,
        started=build.started,
        **fields,
    )


def reload(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


def make_group(
    full_name: str, members: tuple[str, ...] = (), maintainers: tuple[str, ...] = ()
) -> PackageGroup:
    """A package group (``ns/name`` or global ``name``) with member base packages and owners."""
    namespace, _, name = full_name.rpartition("/")
    group = PackageGroup.objects.create(namespace=namespace or None, name=name)
    for member in members:
        group.members.add(BasePackage.objects.get_or_create(name=member)[0])
    for username in maintainers:
        group.maintainers.add(get_user_model().objects.get_or_create(username=username)[0])
    return group


def make_dependency(name: str, version: str = "1.0", **fields: Any) -> PackageGroup:
    """A binary NEVRA of the flyweight dependency table."""
    defaults = {"epoch": None, "release": "1.fc42", "arch": "x86_64"}
    return Dependency.objects.create(name=name, version=version, **{**defaults, **fields})


def make_resolution_change(
    package: Package, resolved: bool = True, days_ago: float = 0, problems: tuple[str, ...] = ()
) -> ResolutionChange:
    """A resolution change of a package, ``days_ago`` days old, with its problems."""
    change = ResolutionChange.objects.create(
        package=package, resolved=resolved, timestamp=timezone.now() - timedelta(days=days_ago)
    )
    ResolutionProblem.objects.bulk_create(
        ResolutionProblem(resolution=change, problem=problem) for problem in problems
    )
    return change
