"""What resolution does when the apps below it send their signals (connected in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from resolution.models import UnappliedChange


def forget_unapplied_changes(*, package_ids: list[int], **_: Any) -> None:
    """Delete the dependency changes no build has applied yet, in the sender's transaction."""
    UnappliedChange.objects.filter(package_id__in=package_ids).delete()
