"""The effective configuration as operators see it, with every secret masked.

``manage.py koschei-config`` prints this: the merged KOSCHEI dict, the Django settings
derived from it, and the keys this implementation ignores.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from koschei_site.config import unused_keys

MASK = "********"
# Keys whose values are secrets wherever they appear.
SECRET_KEY_RE = re.compile(
    r"password|passwd|passphrase|secret|token|credential|private|(^|_)(api_?)?key$", re.I
)
# Sections whose every value is a secret (Koji's login arguments: certificates, keytabs).
SECRET_SECTIONS = frozenset({"login_args"})
URL_PASSWORD_RE = re.compile(r"(?P<head>://[^:/@\s]*:)[^@/\s]+@")


def _masked_value(value: Any) -> Any:
    return MASK if value not in (None, "", {}, []) else value


def mask_url(value: str) -> str:
    """Hide the password of a ``scheme://user:password@host`` URL."""
    return URL_PASSWORD_RE.sub(rf"\g<head>{MASK}@", value)


def mask_secrets(tree: Any, *, secret: bool = False) -> Any:
    """A copy of ``tree`` with secret values replaced by a mask (unset ones stay visible)."""
    if isinstance(tree, Mapping):
        return {
            str(key): mask_secrets(
                value,
                secret=secret
                or str(key) in SECRET_SECTIONS
                or bool(SECRET_KEY_RE.search(str(key))),
            )
            for key, value in tree.items()
        }
    if isinstance(tree, list | tuple):
        return [mask_secrets(item, secret=secret) for item in tree]
    if secret:
        return _masked_value(tree)
    if isinstance(tree, str):
        return mask_url(tree)
    return tree


def _broker() -> str:
    q_cluster: Mapping[str, Any] = settings.Q_CLUSTER
    if q_cluster.get("redis"):
        return f"redis {mask_url(str(q_cluster['redis']))}"
    return f"django ORM (database {q_cluster.get('orm', 'default')})"


def django_settings() -> dict[str, Any]:
    """The Django settings an operator most often needs to check, secrets masked."""
    db = settings.DATABASES["default"]
    return {
        "DATABASES.default": {
            "NAME": db.get("NAME"),
            "HOST": db.get("HOST"),
            "PORT": db.get("PORT"),
            "USER": db.get("USER"),
            "PASSWORD": _masked_value(db.get("PASSWORD")),
        },
        "SECRET_KEY": _masked_value(settings.SECRET_KEY),
        "DEBUG": settings.DEBUG,
        "ALLOWED_HOSTS": list(settings.ALLOWED_HOSTS),
        "Q_CLUSTER.broker": _broker(),
        "Q_CLUSTER.workers": settings.Q_CLUSTER.get("workers"),
    }


def effective_configuration() -> dict[str, Any]:
    """KOSCHEI merged and masked, the mapped Django settings, and the unused keys."""
    return {
        "koschei": mask_secrets(settings.KOSCHEI),
        "django": django_settings(),
        "unused_keys": unused_keys(settings.KOSCHEI),
    }
