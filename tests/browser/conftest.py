"""A real browser (Debian's chromium, driven by Playwright's Python package) against the
live Django server and the loopback OpenID provider.  Screenshots go to
``var/test-output/screenshots``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.oidc import start_provider

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USERS = {"alice": {"password": "alice-pass", "email": "alice@example.org", "name": "Alice"}}


@pytest.fixture(scope="module")
def chromium():
    """Chromium for one test module.  Playwright's sync API keeps an event loop running in
    this thread, which Django takes for an async context although the tests' own ORM calls
    (and the database flushes between them) are plain synchronous code: allowed while the
    browser lives, and no longer once it is gone, so that later tests and the processes
    they start do not inherit it (check --deploy refuses it)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def browser_provider(live_server, tmp_path_factory):
    port = live_server.url.rsplit(":", 1)[1]
    uris = [f"http://{host}:{port}/oidc/callback/" for host in ("localhost", "127.0.0.1")]
    provider = start_provider(tmp_path_factory.mktemp("browser-oidc"), uris, USERS)
    yield provider
    provider.stop()


@pytest.fixture
def login_configured(browser_provider, settings):
    for key, value in browser_provider.settings().items():
        setattr(settings, key, value)
    return browser_provider


@pytest.fixture
def shoot(page):
    """Save a full-page screenshot of the current page as ``<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
