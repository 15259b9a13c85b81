"""OpenID Connect login through a real provider on loopback (scripts/oidc-provider):
the first login creates the user, the user name comes from the configured claim, logout."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.oidc import sign_in_at_provider, start_provider

pytestmark = pytest.mark.django_db

USERS = {
    "alice": {"password": "alice-pass", "email": "alice@example.org", "name": "Alice"},
    "bad name": {"password": "bad-pass"},
}


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    started = start_provider(
        tmp_path_factory.mktemp("oidc"), ["http://testserver/oidc/callback/"], USERS
    )
    yield started
    started.stop()


@pytest.fixture
def oidc(provider, settings):
    for key, value in provider.settings().items():
        setattr(settings, key, value)
    return provider


def log_in(client, username, password, next_url="/groups"):
    """Log in through the provider as a browser would; the response of the callback."""
    start = client.get("/login", {"next": next_url})
    assert start.status_code == 302, start
    to_provider = client.get(start.url)
    assert to_provider.url.startswith("http://127.0.0.1:"), to_provider.url
    callback = urlsplit(sign_in_at_provider(to_provider.url, username, password))
    assert (callback.netloc, callback.path) == ("testserver", "/oidc/callback/")
    return client.get(f"{callback.path}?{callback.query}")


def test_the_first_login_creates_the_user_and_returns_to_the_page(client, oidc, collection):
    response = log_in(client, "alice", "alice-pass")
    assert response.status_code == 302 and response.url == "/groups"
    user = get_user_model().objects.get(username="alice")
    assert user.email == "alice@example.org" and not user.is_staff
    page = client.get("/groups").content.decode()
    assert "New user &quot;alice&quot; was registered." in page and "Log out" in page
    # a second login finds the same user
    log_in(Client(), "alice", "alice-pass")
    assert get_user_model().objects.filter(username="alice").count() == 1


def test_a_refused_password_logs_nobody_in(client, oidc, collection):
    with pytest.raises(PermissionError):
        log_in(client, "alice", "wrong")
    assert not get_user_model().objects.exists()
    assert "Log in" in client.get("/groups").content.decode()


def test_the_user_name_comes_from_the_configured_claim(client, oidc, collection, settings):
    settings.KOSCHEI = {
        **settings.KOSCHEI,
        "oidc": {**settings.KOSCHEI["oidc"], "username_claim": "email"},
    }
    log_in(client, "alice", "alice-pass")
    assert get_user_model().objects.filter(username="alice@example.org").exists()


def test_a_claim_that_is_no_user_name_is_refused(client, oidc, collection):
    response = log_in(client, "bad name", "bad-pass")
    assert response.status_code == 302 and response.url != "/groups"  # the failure URL
    assert not get_user_model().objects.exists()


def test_login_goes_back_only_to_this_site(client, oidc, collection):
    start = client.get("/login", {"next": "https://evil.example/"})
    assert client.get(start.url).status_code == 302
    assert client.session["oidc_login_next"] == "/"


def test_login_says_so_when_it_is_not_configured(client, collection, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    response = client.get("/login")
    assert response.status_code == 503 and "not configured" in response.content.decode()


def test_logout_asks_on_get_and_logs_out_on_post(client, plain_user, collection):
    client.force_login(plain_user)
    page = client.get("/logout").content.decode()
    assert "You are logged in as packager" in page and 'method="post"' in page
    assert client.session.get("_auth_user_id")
    response = client.post("/logout", follow=True)
    assert "You were logged out." in response.content.decode()
    assert not client.session.get("_auth_user_id")


def test_logout_needs_a_csrf_token(plain_user, collection):
    client = Client(enforce_csrf_checks=True)
    client.force_login(plain_user)
    assert client.post("/logout").status_code == 403
    assert client.session.get("_auth_user_id")
