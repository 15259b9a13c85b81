"""``/api/v1/`` routes of the builds app."""

from django.urls import path

from builds.api import views

urlpatterns = [
    path("builds/<int:build_id>", views.build_detail, name="api_build"),
    path("packages/<path:name>/why", views.package_why, name="api_package_why"),
]
