"""Signals of the builds domain, for the apps above ``builds`` to act on.

``collection_copied`` is sent inside the copying transaction (branch, fork) with
``source_id``, ``target_id`` and ``minimal``, once packages, builds and Koji tasks are
copied.  Until that transaction ends, the temporary table ``copy_build_map`` (``old_id``,
``new_id``, ``package_id``) maps each copied build to its copy.
"""

from __future__ import annotations

from django.dispatch import Signal

collection_copied = Signal()
