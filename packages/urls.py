"""Public pages of the packages app, at upstream's URLs (existing links keep working)."""

from django.urls import path, re_path

from packages.views import (
    collections,
    groups,
    links,
    package_detail,
    package_edit,
    package_list,
)

urlpatterns = [
    path("", package_list.frontpage, name="frontpage"),
    path("packages", package_list.package_list, name="package_list"),
    path("search", package_list.search, name="search"),
    path("package/<path:name>/edit", package_edit.package_edit, name="package_edit"),
    path("package/<path:name>", package_detail.package_detail, name="package_detail"),
    path("groups", groups.group_list, name="group_list"),
    path("groups/<path:full_name>", groups.group_detail, name="group_detail"),
    re_path(
        r"^badge/(?P<collection>[^/]+)/(?P<name>.+)\.(?P<ext>svg|png)$", links.badge, name="badge"
    ),
    path("bugreport/<path:name>", links.bug_report, name="bug_report"),
    path("documentation", links.documentation, name="documentation"),
    path("collections", collections.collection_list, name="collection_list"),
    path("collection/<str:name>", collections.collection_detail, name="collection_detail"),
]
