"""Server-rendered public pages of the resolution app (spec 2.2)."""
