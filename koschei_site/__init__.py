"""Koschei on Django: project package (settings, URLs, configuration). GPL-2.0-or-later."""
