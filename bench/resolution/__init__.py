"""``python -m bench.resolution``: cold full resolution, build resolution, incremental
resolution and a single-core floor, end to end through kojisim, the project's commands,
django-q2 workers and PostgreSQL.  See bench/README.md for what each figure means."""
