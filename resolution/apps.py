"""App configuration for resolution."""

from django.apps import AppConfig


class ResolutionConfig(AppConfig):
    name = "resolution"

    def ready(self) -> None:
        from packages.signals import dependency_changes_obsolete
        from resolution.receivers import forget_unapplied_changes

        dependency_changes_obsolete.connect(
            forget_unapplied_changes, dispatch_uid="resolution.forget_unapplied_changes"
        )
