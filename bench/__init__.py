"""Benchmarks that print one ``name=value`` line per figure (DESIGN 11). GPL-2.0-or-later."""
