"""Server-rendered public pages of the builds app (spec 2.2)."""
