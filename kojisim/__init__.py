"""kojisim: a Koji hub simulator on loopback (DESIGN section 9). GPL-2.0-or-later.

It is a separate program (``python -m kojisim --scenario FILE --port N``) that the real
``koji`` client library talks to over HTTP XML-RPC.  It imports nothing from the Django apps.
"""

from __future__ import annotations

__all__ = ["HUB_VERSION"]

#: Version reported through ``getKojiVersion`` and the ``Koji-Version`` response header.
HUB_VERSION = "1.35.1"
