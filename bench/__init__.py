"""Benchmarks: harnesses that print one ``name=value`` line per figure (DESIGN section 11)."""
