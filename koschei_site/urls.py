"""URL configuration: the public pages and the JSON API (upstream's URLs), the admin."""

from django.contrib import admin
from django.urls import include, path

from koschei_site.openapi import openapi_json

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/openapi.json", openapi_json, name="api_openapi"),
    path("api/v1/", include("packages.api.urls")),
    path("api/v1/", include("builds.api.urls")),
    path("", include("packages.urls")),
    path("", include("builds.urls")),
    path("", include("resolution.urls")),
]
