"""Operators' admin pages of the packages app (registered on import by admin autodiscovery)."""

from packages.admin import collections, groups, notices, packages

__all__ = ["collections", "groups", "notices", "packages"]
