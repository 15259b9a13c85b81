"""Fixtures of the builds tests: the small kojisim scenario's target as collection f42."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from builds.koji import KojiSessions
from packages.models import Collection


@pytest.fixture
def f42(koji_hub, sudo_user):
    call_command("create-collection", "f42", "-d", "Fedora 42", "-t", "f42", "--dest-tag", "f42")
    return Collection.objects.get(name="f42")


def sessions():
    return KojiSessions.from_settings()
