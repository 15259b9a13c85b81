"""Branding of the operators' admin site (the pages live in each app's admin module)."""

from django.contrib import admin

admin.site.site_header = "Koschei administration"
admin.site.site_title = "Koschei administration"
admin.site.index_title = "Operations"
