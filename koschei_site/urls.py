"""URL configuration: the public pages (upstream's URLs) and the operators' admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("packages.urls")),
    path("", include("builds.urls")),
    path("", include("resolution.urls")),
]
