"""Writes of the resolution domain (and those spanning builds and packages): one writer each."""

from resolution.services.cleanup import CleanupResult, delete_old_history

__all__ = ["CleanupResult", "delete_old_history"]
