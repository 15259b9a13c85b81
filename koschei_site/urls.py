"""URL configuration: the public pages and the JSON API (upstream's URLs), the admin."""

from django.contrib import admin
from django.urls import include, path

from koschei_site import views
from koschei_site.openapi import openapi_json

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login", views.login, name="login"),
    path("logout", views.logout, name="logout"),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("api/v1/openapi.json", openapi_json, name="api_openapi"),
    path("api/v1/", include("builds.api.urls")),  # first: packages/<name>/why
    path("api/v1/", include("packages.api.urls")),
    path("", include("packages.urls")),
    path("", include("builds.urls")),
    path("", include("resolution.urls")),
]
