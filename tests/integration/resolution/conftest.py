"""Fixtures of the resolution tests: the small kojisim scenario as collection f42."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.core.management import call_command

from builds.koji import KojiSessions
from packages.models import Collection, Package
from resolution.models import ResolutionChange


@pytest.fixture(autouse=True)
def passive_scheduler(settings):
    """A finished run enqueues the scheduler, which the tests' synchronous queue runs at
    once: it would submit builds of the packages due and change what the next run sees.
    The resolution tests check what runs store, so their scheduler is passive."""
    config = copy.deepcopy(settings.KOSCHEI)
    config["services"]["scheduler"]["enabled"] = False
    settings.KOSCHEI = config


@pytest.fixture
def cachedir(settings, koji_hub, tmp_path):
    """A private repo cache (the koji_hub settings are already in place)."""
    config = copy.deepcopy(settings.KOSCHEI)
    config["directories"]["cachedir"] = str(tmp_path / "cache")
    settings.KOSCHEI = config
    return tmp_path / "cache"


@pytest.fixture
def f42(koji_hub, cachedir, sudo_user):
    """Collection f42 with Koji's package list, every unblocked package tracked, real builds."""
    call_command("create-collection", "f42", "-d", "F", "-t", "f42", "--dest-tag", "f42")
    call_command("refresh-packages", "f42")
    collection = Collection.objects.get(name="f42")
    Package.objects.filter(collection=collection, blocked=False).update(tracked=True)
    call_command("refresh-builds", "f42")
    return Collection.objects.get(pk=collection.pk)


def collection(name: str = "f42") -> Collection:
    return Collection.objects.get(name=name)


def new_repo(koji_hub: Any, tag: str = "f42-build") -> int:
    """A new repo of the tag in kojisim, now; its id."""
    return int(koji_hub.sim("regenRepo", tag)["id"])


def sessions() -> KojiSessions:
    return KojiSessions.from_settings()


def package(name: str, collection: str = "f42") -> Package:
    return Package.objects.select_related("collection").get(name=name, collection__name=collection)


def set_config(settings: Any, section: str, **values: Any) -> None:
    config = copy.deepcopy(settings.KOSCHEI)
    config[section].update(values)
    settings.KOSCHEI = config


def history(name: str) -> list[tuple[bool, list[str]]]:
    """A package's ResolutionChanges, oldest first, with their problems."""
    changes = ResolutionChange.objects.filter(package__name=name).order_by("timestamp", "id")
    return [(c.resolved, [p.problem for p in c.problems.all()]) for c in changes]
