"""Dependency resolution: repo cache, depsolving, resolver services. GPL-2.0-or-later."""
