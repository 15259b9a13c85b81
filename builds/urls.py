"""Public pages of the builds app, at upstream's URLs."""

from django.urls import path

from builds.views import build_detail, stats

urlpatterns = [
    path("build/<int:build_id>", build_detail.build_detail, name="build_detail"),
    path("stats", stats.stats, name="stats"),
    path("build/<int:build_id>/cancel", build_detail.cancel_build, name="cancel_build"),
]
