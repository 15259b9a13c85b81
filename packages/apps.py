"""App configuration for packages."""

from django.apps import AppConfig


class PackagesConfig(AppConfig):
    name = "packages"
