"""Dependency resolution: dependencies, changes, problems. GPL-2.0-or-later."""
