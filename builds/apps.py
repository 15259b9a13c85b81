"""App configuration for builds."""

from django.apps import AppConfig


class BuildsConfig(AppConfig):
    name = "builds"

    def ready(self) -> None:
        from builds.messaging import publisher

        publisher.connect()
