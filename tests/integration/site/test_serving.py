"""Production serving: gunicorn runs the WSGI application and WhiteNoise serves the static
files collectstatic made (compressed, content-hashed, cached for good)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.oidc import free_port

ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def production(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOSCHEI_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="koschei_site.settings",
        KOSCHEI_CONFIG="",
        KOSCHEI_DEBUG="0",
        KOSCHEI_SECRET_KEY=secrets.token_urlsafe(48),
        KOSCHEI_ALLOWED_HOSTS="127.0.0.1",
        KOSCHEI_SSL_REDIRECT="0",
        KOSCHEI_STATIC_ROOT=str(tmp_path / "static"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=120,
    )  # fmt: skip
    port = free_port()
    with open(tmp_path / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--graceful-timeout", "5", "koschei_site.wsgi"],
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/api/v1/openapi.json", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=20)


def test_gunicorn_serves_the_app_and_whitenoise_the_hashed_static_files(production):
    assert requests.get(f"{production}/api/v1/openapi.json", timeout=10).json()["openapi"]
    css = requests.get(f"{production}/documentation", timeout=10)
    # whether or not that database has collections, the page links its stylesheet
    path = re.search(r'href="(/static/css/koschei\.[0-9a-f]{12}\.css)"', css.text)
    assert path, css.text[:1000]
    gzip = {"Accept-Encoding": "gzip"}
    static = requests.get(f"{production}{path.group(1)}", headers=gzip, timeout=10)
    assert static.status_code == 200
    assert static.headers["Content-Encoding"] == "gzip"
    assert "immutable" in static.headers["Cache-Control"]
