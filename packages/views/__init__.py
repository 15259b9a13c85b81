"""Server-rendered public pages of the packages app (spec 2.2)."""
