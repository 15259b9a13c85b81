"""State-change signals of the resolution domain, sent after commit (for the publisher).

Both are sent with ``sender`` = the model class and keyword arguments:
- ``collection_state_changed``: ``collection_id``, ``previous``, ``new`` (ok/unresolved/unknown);
- ``package_state_changed``: ``package_id``, ``previous``, ``new`` (ok/failing/unresolved/ignored).
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

collection_state_changed = Signal()
package_state_changed = Signal()


def send_collection_state_after_commit(collection_id: int, previous: str, new: str) -> None:
    """Send ``collection_state_changed`` once the current transaction commits, if it differs."""
    if previous == new:
        return
    from packages.models import Collection

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
    from packages.models import Package

    def send() -> None:
        for package_id, previous, new in real:
            package_state_changed.send(
                sender=Package, package_id=package_id, previous=previous, new=new
            )

    transaction.on_commit(send)
