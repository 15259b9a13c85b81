"""System checks for the KOSCHEI configuration (run by every manage.py command)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Error, Warning, register

KOJI_URL_KEYS = ("server", "topurl", "weburl")


@register()
def check_koschei_config(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list:
    """Reject configurations that cannot work: bad Koji URLs, arches, priority curve,
    noise control."""
    config = settings.KOSCHEI
    problems: list = []
    koji = config["koji_config"]
    for key in KOJI_URL_KEYS:
        if not str(koji.get(key) or "").startswith(("http://", "https://")):
            problems.append(Error(f"koji_config.{key} must be an http(s) URL", id="koschei.E001"))
    if not koji.get("build_arches"):
        problems.append(Error("koji_config.build_arches must not be empty", id="koschei.E002"))
    prio = config["priorities"]
    if not 0 < prio["t0"] < prio["t1"]:
        problems.append(Error("priorities.t0 must be positive and below t1", id="koschei.E003"))
    repo_url = config["secondary_koji_config"].get("repo_url")
    if repo_url and not _formats(str(repo_url), build_tag="t", repo_id=1, arch="$arch"):
        problems.append(
            Error(
                "secondary_koji_config.repo_url must be a format string using only "
                "{build_tag}, {repo_id} and {arch}",
                id="koschei.E004",
            )
        )
    problems += _noise_problems(config.get("noise") or {})
    if config.get("bypass_login") and not settings.DEBUG:
        problems.append(Warning("bypass_login is ignored in production", id="koschei.W001"))
    return problems


def _formats(text: str, **values: Any) -> bool:
    try:
        text.format(**values)
    except (KeyError, IndexError, ValueError):
        return False
    return True


NOISE_KEYS = (
    "infra_retry_base",
    "infra_retry_cap",
    "failure_backoff_after",
    "failure_backoff_base",
    "failure_backoff_cap",
    "max_builds_per_day",
)


def _noise_problems(noise: dict[str, Any]) -> list:
    """Noise control's settings are numbers of seconds or counts, none negative."""
    return [
        Error(f"noise.{key} must be a number, 0 or more", id="koschei.E005")
        for key in NOISE_KEYS
        if isinstance(noise.get(key), bool)
        or not isinstance(noise.get(key), int | float)
        or noise[key] < 0
    ]
