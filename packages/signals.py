"""Signals about packages and collections, for the apps above ``packages`` to act on.

State changes are sent after commit (for the publisher), with ``sender`` = the model class
and keyword arguments:
- ``collection_state_changed``: ``collection_id``, ``previous``, ``new`` (ok/unresolved/unknown);
- ``package_state_changed``: ``package_id``, ``previous``, ``new`` (ok/failing/unresolved/ignored).

``dependency_changes_obsolete`` is sent inside the writer's transaction with ``package_ids``:
the dependency changes recorded for those packages no longer apply (a new build satisfied
them, or resolution was switched off); ``resolution`` deletes them in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from packages.models import Collection, Package

collection_state_changed = Signal()
package_state_changed = Signal()
dependency_changes_obsolete = Signal()


def send_dependency_changes_obsolete(package_ids: list[int]) -> None:
    """Tell the receivers, now and in this transaction, that these packages' changes went."""
    dependency_changes_obsolete.send(sender=Package, package_ids=package_ids)


def send_collection_state_after_commit(collection_id: int, previous: str, new: str) -> None:
    """Send ``collection_state_changed`` once the current transaction commits, if it differs."""
    if previous == new:
        return
    transaction.on_commit(
        lambda: collection_state_changed.send(
            sender=Collection, collection_id=collection_id, previous=previous, new=new
        )
    )


def send_package_states_after_commit(changes: list[tuple[int, str, str]]) -> None:
    """Send ``package_state_changed`` for each (package id, previous, new) after commit."""
    real = [change for change in changes if change[1] != change[2]]
    if not real:
        return

    def send() -> None:
        for package_id, previous, new in real:
            package_state_changed.send(
                sender=Package, package_id=package_id, previous=previous, new=new
            )

    transaction.on_commit(send)
