"""Loading of Koschei's domain configuration: defaults, operator files, environment.

Upstream operators keep Python files that assign a dict to ``config``; those files are
executed in order and deep-merged over :data:`koschei_site.defaults.DEFAULTS` (dicts merge
recursively, every other value, lists included, replaces).  Environment variables for
secrets and endpoints are applied last.  No Django import here: settings.py uses it.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from koschei_site.defaults import DEFAULTS, UNUSED_KEYS

CONFIG_DIR = Path("/etc/koschei")

# Which upstream files each component reads when KOSCHEI_CONFIG is unset, in order.
COMPONENT_FILES: dict[str, tuple[str, ...]] = {
    "frontend": ("config-frontend.cfg",),
    "backend": ("config-backend.cfg",),
    "admin": ("config-backend.cfg", "config-admin.cfg"),
}
# manage.py subcommands that are long-running backend processes.
BACKEND_COMMANDS = frozenset({"qcluster", "watch-messages"})
FRONTEND_COMMANDS = frozenset({"runserver"})


class ConfigError(Exception):
    """A configuration file could not be read or does not define a ``config`` dict."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Return a new dict: ``override`` merged recursively over ``base``.

    Nested dicts merge key by key; any other value (lists included) replaces the base
    value; keys unknown to ``base`` are kept.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_config_file(path: Path) -> dict[str, Any]:
    """Execute one upstream-style Python config file and return its ``config`` dict."""
    try:
        source = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}") from exc
    namespace: dict[str, Any] = {"__file__": str(path)}
    try:
        exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - operator-owned file
    except Exception as exc:
        raise ConfigError(
            f"error in configuration file {path}: {type(exc).__name__}: {exc}"
        ) from exc
    config = namespace.get("config", {})
    if not isinstance(config, dict):
        raise ConfigError(f"configuration file {path} must assign a dict to 'config'")
    return config


def component_for(argv: Sequence[str], env: Mapping[str, str]) -> str:
    """Tell which upstream component a process plays: frontend, backend or admin.

    wsgi.py sets KOSCHEI_COMPONENT=frontend; otherwise the manage.py subcommand decides.
    """
    if env.get("KOSCHEI_COMPONENT"):
        return env["KOSCHEI_COMPONENT"]
    command = argv[1] if len(argv) > 1 else ""
    if command in BACKEND_COMMANDS:
        return "backend"
    if command in FRONTEND_COMMANDS:
        return "frontend"
    return "admin"


def config_paths(component: str, env: Mapping[str, str]) -> list[Path]:
    """The override files to read: KOSCHEI_CONFIG, else the component's upstream files."""
    listed = env.get("KOSCHEI_CONFIG")
    if listed is not None:
        return [Path(p) for p in listed.split(":") if p]
    names = COMPONENT_FILES.get(component, COMPONENT_FILES["admin"])
    return [CONFIG_DIR / name for name in names if (CONFIG_DIR / name).exists()]


def load_config(paths: Iterable[Path], env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults with every file in ``paths`` merged over them, in order, then ``env``."""
    config = copy.deepcopy(DEFAULTS)
    for path in paths:
        config = deep_merge(config, read_config_file(path))
    if env is not None:
        # Before the inheritance below: KOSCHEI_KOJI_HUB is koji_config.server, which
        # secondary_koji_config inherits, and KOSCHEI_SECONDARY_KOJI_HUB defines a key.
        apply_environment(config, env)
    # secondary_koji_config inherits every key of koji_config (spec section 4).
    secondary = config.get("secondary_koji_config") or {}
    config["secondary_mode_configured"] = bool(secondary)
    config["secondary_koji_config"] = deep_merge(config["koji_config"], secondary)
    return config


ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "KOSCHEI_KOJI_HUB": ("koji_config", "server"),
    "KOSCHEI_KOJI_TOPURL": ("koji_config", "topurl"),
    "KOSCHEI_KOJI_WEBURL": ("koji_config", "weburl"),
    "KOSCHEI_SECONDARY_KOJI_HUB": ("secondary_koji_config", "server"),
    "KOSCHEI_SECONDARY_KOJI_TOPURL": ("secondary_koji_config", "topurl"),
    "KOSCHEI_CACHEDIR": ("directories", "cachedir"),
    "KOSCHEI_EXTERNAL_URL": ("frontend", "external_url"),
    "KOSCHEI_OIDC_CLIENT_ID": ("oidc", "client_id"),
    "KOSCHEI_OIDC_CLIENT_SECRET": ("oidc", "client_secret"),
}


def apply_environment(config: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """Apply the endpoint environment variables over a loaded configuration, in place."""
    for variable, (section, key) in ENV_OVERRIDES.items():
        if env.get(variable):
            # A file may have set the whole section to None.
            config[section] = {**(config.get(section) or {}), key: env[variable]}
    return config


INTERNAL_KEYS = frozenset({"component", "secondary_mode_configured"})


def unused_keys(config: Mapping[str, Any]) -> list[str]:
    """Configured keys that this implementation accepts but gives no meaning."""
    return sorted(
        dotted
        for dotted in _flatten(config)
        if (dotted.split(".")[0] not in DEFAULTS and dotted.split(".")[0] not in INTERNAL_KEYS)
        or any(dotted == key or dotted.startswith(key + ".") for key in UNUSED_KEYS)
    )


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            keys |= _flatten(value, dotted + ".")
        else:
            keys.add(dotted)
    return keys


def load_for_process(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The effective configuration for this process, as settings.py needs it."""
    env = os.environ if env is None else env
    argv = sys.argv if argv is None else argv
    component = component_for(argv, env)
    config = load_config(config_paths(component, env), env)
    config["component"] = component
    return config
