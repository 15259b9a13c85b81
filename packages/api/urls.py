"""``/api/v1/`` routes of the packages app."""

from django.urls import path

from packages.api import views

urlpatterns = [
    path("packages", views.package_list, name="api_packages"),
    path("packages/<path:name>", views.package_detail, name="api_package"),
    path(
        "collections/diff/<str:first>/<str:second>",
        views.collection_diff,
        name="api_collection_diff",
    ),
]
