"""What Django accepts as a user name (operators from $SUDO_USER, group maintainers)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError


def username_problem(name: str) -> str | None:
    """Why ``name`` cannot be a user name (one line), or None when it can."""
    if not name:
        return "User name must not be empty"
    longest = get_user_model()._meta.get_field("username").max_length
    if longest is not None and len(name) > longest:
        return f"User name is longer than {longest} characters"
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError:
        return f"Invalid user name: {name!r}"
    return None
