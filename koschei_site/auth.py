"""OpenID Connect login (mozilla-django-oidc): the user name comes from a configured claim
(``oidc.username_claim``, default ``preferred_username``) and the first login creates the
user.  Operators keep the admin's own password login.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from koschei_site.usernames import username_problem

log = logging.getLogger(__name__)


def login_configured() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_AUTHORIZATION_ENDPOINT)


class KoscheiOIDCBackend(OIDCAuthenticationBackend):
    """Users are found and created by the configured user-name claim."""

    def username_from(self, claims: dict[str, Any]) -> str:
        claim = settings.KOSCHEI["oidc"].get("username_claim") or "preferred_username"
        return str(claims.get(claim) or "")

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        problem = username_problem(self.username_from(claims))
        if problem:
            log.warning("OpenID Connect login refused: %s", problem)
            return False
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Any]:
        return get_user_model().objects.filter(username=self.username_from(claims))

    def create_user(self, claims: dict[str, Any]) -> Any:
        username = self.username_from(claims)
        user = get_user_model().objects.create_user(username, email=claims.get("email") or "")
        if getattr(self, "request", None) is not None:
            messages.info(self.request, f'New user "{username}" was registered.')
        log.info("new user %s registered at first login", username)
        return user

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        email = claims.get("email") or ""
        if email and email != user.email:
            user.email = email
            user.save(update_fields=["email"])
        return user
