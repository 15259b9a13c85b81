"""The JSON API of the builds app (``/api/v1/builds/<id>``)."""
