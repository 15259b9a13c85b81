"""Builds, Koji tasks, statistics, the Koji adapter and ingestion. GPL-2.0-or-later."""
