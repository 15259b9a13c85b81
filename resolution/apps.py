"""App configuration for resolution: it receives the signals of the apps below it."""

from django.apps import AppConfig


class ResolutionConfig(AppConfig):
    name = "resolution"

    def ready(self) -> None:
        from builds.signals import collection_copied, srpms_registered
        from packages.signals import dependency_changes_obsolete
        from resolution import receivers

        dependency_changes_obsolete.connect(
            receivers.forget_unapplied_changes, dispatch_uid="resolution.forget_unapplied"
        )
        collection_copied.connect(
            receivers.copy_resolution_history, dispatch_uid="resolution.copy_history"
        )
        srpms_registered.connect(
            receivers.fetch_build_requires, dispatch_uid="resolution.fetch_build_requires"
        )
