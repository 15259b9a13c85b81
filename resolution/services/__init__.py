"""Writes of the resolution domain (and those spanning builds and packages): one writer each."""

from resolution.services.branching import branch_collection, copy_collection, fork_collection
from resolution.services.cleanup import CleanupResult, delete_old_history

__all__ = [
    "CleanupResult",
    "branch_collection",
    "copy_collection",
    "delete_old_history",
    "fork_collection",
]
