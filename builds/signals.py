"""Signals of the builds domain, for the apps above ``builds`` to act on.

``collection_copied`` is sent inside the copying transaction (branch, fork) with
``source_id``, ``target_id`` and ``minimal``, once packages, builds and Koji tasks are
copied.  Until that transaction ends, the temporary table ``copy_build_map`` (``old_id``,
``new_id``, ``package_id``) maps each copied build to its copy.

``srpms_registered`` is sent once the transactions that registered complete real builds
have committed, with ``collection``, ``srpms`` (the builds' SRPM NVRA dicts, as
``Build.srpm_nvra`` gives them) and ``sessions`` (``KojiSessions``), so that the apps
above can read from Koji what they will need of those SRPMs before they need it.
Registering does not depend on what the receivers do.
"""

from __future__ import annotations

from django.dispatch import Signal

collection_copied = Signal()
srpms_registered = Signal()
