"""Builds, Koji tasks, statistics and (later) the Koji adapter. GPL-2.0-or-later."""
