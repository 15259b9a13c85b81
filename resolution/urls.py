"""Public pages of the resolution app, at upstream's URLs."""

from django.urls import path

from resolution.feeds import GroupFeed, PackageFeed, UserFeed
from resolution.views import affected_by, operator

urlpatterns = [
    path("affected-by/<path:dep>", affected_by.affected_by_page, name="affected_by"),
    path("operator", operator.operator_page, name="operator"),
    path("feeds/package/<path:name>", PackageFeed(), name="package_feed"),
    path("feeds/group/<path:full_name>", GroupFeed(), name="group_feed"),
    path("feeds/user/<str:username>", UserFeed(), name="user_feed"),
]
