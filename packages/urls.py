"""Public pages of the packages app, at upstream's URLs (existing links keep working)."""

from django.urls import path, re_path

from packages.views import (
    add_packages,
    collection_edit,
    collections,
    group_forms,
    groups,
    links,
    package_detail,
    package_edit,
    package_list,
    user_packages,
)

urlpatterns = [
    path("", package_list.frontpage, name="frontpage"),
    path("packages", package_list.package_list, name="package_list"),
    path("search", package_list.search, name="search"),
    path("package/<path:name>/edit", package_edit.package_edit, name="package_edit"),
    path("package/<path:name>", package_detail.package_detail, name="package_detail"),
    path("groups", groups.group_list, name="group_list"),
    path("add-group", group_forms.add_group, name="group_add"),
    path("groups/<path:full_name>/edit", group_forms.edit_group_page, name="group_edit"),
    path("groups/<path:full_name>/delete", group_forms.delete_group_page, name="group_delete"),
    path("groups/<path:full_name>", groups.group_detail, name="group_detail"),
    path("add-packages", add_packages.add_packages, name="add_packages"),
    path("user/<str:username>", user_packages.user_packages, name="user_packages"),
    re_path(
        r"^badge/(?P<collection>[^/]+)/(?P<name>.+)\.(?P<ext>svg|png)$", links.badge, name="badge"
    ),
    path("bugreport/<path:name>", links.bug_report, name="bug_report"),
    path("documentation", links.documentation, name="documentation"),
    path("collections", collections.collection_list, name="collection_list"),
    path("collection/<str:name>/edit", collection_edit.collection_edit, name="collection_edit"),
    path("collection/<str:name>", collections.collection_detail, name="collection_detail"),
]
