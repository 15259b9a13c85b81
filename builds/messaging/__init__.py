"""Koji's bus messages in (the ``watch-messages`` consumer) and Koschei's state changes out."""
