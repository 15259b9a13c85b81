"""App configuration for builds."""

from django.apps import AppConfig


class BuildsConfig(AppConfig):
    name = "builds"
