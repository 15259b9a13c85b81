"""The JSON API of the packages app (``/api/v1/...``, spec 2.2 "API")."""
