"""Shared fixtures: real PostgreSQL through pytest-django, users, a collection."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_collection
from tests.pki import make_pki

# kojisim's fixtures (a simulated Koji hub on loopback) for every test tree.
pytest_plugins = ["kojisim.pytest_plugin"]


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


def use_kojisim(
    settings: Any,
    hub: Any,
    *,
    arches: Sequence[str] = ("x86_64", "aarch64", "i386"),
    timeout: float = 30,
) -> dict[str, Any]:
    """Configure a kojisim hub as the project's primary and secondary Koji (login
    ``koschei``, quick retries, commands' too); returns the new KOSCHEI dict, already in
    ``settings``."""
    config = copy.deepcopy(settings.KOSCHEI)
    koji_config = {
        **config["koji_config"],
        "server": hub.url,
        "topurl": hub.topurl,
        "weburl": hub.weburl,
        "login_method": "login",
        "login_args": {},
        "session_opts": {
            "user": "koschei",
            "password": "koschei",
            "max_retries": 2,
            "retry_interval": 0.05,
            "anon_retry": True,
            "timeout": timeout,
        },
        "command_session_opts": {"max_retries": 2, "retry_interval": 0.05},
        "build_arches": list(arches),
    }
    config["koji_config"] = koji_config
    config["secondary_koji_config"] = dict(koji_config)
    settings.KOSCHEI = config
    return config


@pytest.fixture
def koji_hub(kojisim_fresh, settings):
    """A private kojisim of the small scenario, configured as the project's Koji."""
    use_kojisim(settings, kojisim_fresh)
    return kojisim_fresh


@pytest.fixture
def pki(tmp_path):
    """Certificates for TLS tests (kojisim over HTTPS with client certificates)."""
    return make_pki(tmp_path)
