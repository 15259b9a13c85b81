"""The loopback OpenID provider (scripts/oidc-provider, panva's oidc-provider on Node.js)
for the login tests, and a login through it driven over HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = ROOT / "scripts" / "oidc-provider" / "provider.mjs"
CLIENT_ID = "koschei-tests"
CLIENT_SECRET = "koschei-tests-secret"
START_TIMEOUT = 30.0


@dataclass
class OpenIDProvider:
    issuer: str
    process: subprocess.Popen[bytes]
    log: Path

    def settings(self) -> dict[str, Any]:
        """The Django settings that point mozilla-django-oidc at this provider."""
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/auth",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/me",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_provider(
    directory: Path, redirect_uris: list[str], users: dict[str, dict[str, str]]
) -> OpenIDProvider:
    """Start the provider on a free loopback port (it stops itself after an hour)."""
    directory.mkdir(parents=True, exist_ok=True)
    users_file = directory / "users.json"
    users_file.write_text(json.dumps(users))
    port = free_port()
    log = directory / "oidc-provider.log"
    command = ["node", str(PROVIDER), "--port", str(port), "--client-id", CLIENT_ID]
    command += ["--client-secret", CLIENT_SECRET, "--users", str(users_file)]
    command += ["--max-seconds", "3600"]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out)
    provider = OpenIDProvider(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2)
            return provider
        except requests.ConnectionError:
            time.sleep(0.1)
    provider.stop()
    raise RuntimeError(f"the OpenID provider did not start:\n{log.read_text()[-3000:]}")


def sign_in_at_provider(authorize_url: str, username: str, password: str) -> str:
    """Follow the provider's pages from ``authorize_url`` as a browser would, submit the
    login form, and return the URL the provider sends the browser back to (the callback)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    with requests.Session() as browser:
        url, form = authorize_url, None
        for _ in range(10):
            if form is not None:
                response = browser.post(url, data=form, allow_redirects=False, timeout=10)
                form = None
            else:
                response = browser.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(origin):
                    return url  # back to the application
                continue
            if 'name="password"' not in response.text:
                raise AssertionError(f"unexpected provider page:\n{response.text[:2000]}")
            if "wrong password" in response.text:
                raise PermissionError("the provider refused the login")
            action = response.text.split('action="', 1)[1].split('"', 1)[0]
            url, form = urljoin(url, action), {"login": username, "password": password}
    raise AssertionError("too many steps at the provider")
