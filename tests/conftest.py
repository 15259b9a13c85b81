"""Shared fixtures: real PostgreSQL through pytest-django, users, a collection."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_collection


@pytest.fixture
def collection(db):
    return make_collection("f42")


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user("operator", password="operator-pass", is_staff=True)


@pytest.fixture
def plain_user(db):
    return get_user_model().objects.create_user("packager", password="packager-pass")


@pytest.fixture
def sudo_user(monkeypatch):
    """Commands audit as $SUDO_USER; name a predictable one."""
    monkeypatch.setenv("SUDO_USER", "admin-operator")
    return "admin-operator"
