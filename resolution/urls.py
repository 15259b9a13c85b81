"""Public pages of the resolution app, at upstream's URLs."""

from django.urls import path

from resolution.views import affected_by, operator

urlpatterns = [
    path("affected-by/<path:dep>", affected_by.affected_by_page, name="affected_by"),
    path("operator", operator.operator_page, name="operator"),
]
