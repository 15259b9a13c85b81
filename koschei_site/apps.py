"""App config for the project package (commands and system checks, no models)."""

from django.apps import AppConfig


class KoscheiSiteConfig(AppConfig):
    name = "koschei_site"
    verbose_name = "Koschei"

    def ready(self) -> None:
        from koschei_site import checks  # noqa: F401 - registers the system checks
