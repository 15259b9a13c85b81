"""The operators' global notice and the append-only audit log."""

from django.conf import settings
from django.db import models
from django.db.models import Func, Q

from packages.states import LogEnvironment


class ClockTimestamp(Func):
    """PostgreSQL ``clock_timestamp()``: the wall-clock time, not the transaction's."""

    template = "clock_timestamp()"
    output_field = models.DateTimeField()


class AdminNotice(models.Model):
    """A notice shown on every page; only the key ``global_notice`` is used."""

    GLOBAL = "global_notice"

    key = models.CharField(max_length=255, primary_key=True)
    content = models.TextField()

    class Meta:
        db_table = "admin_notice"

    def __str__(self) -> str:
        return self.key


class LogEntry(models.Model):
    """One audited change, by a user (or by the backend itself)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="koschei_log_entries",
    )
    environment = models.CharField(max_length=16, choices=LogEnvironment.choices)
    timestamp = models.DateTimeField(db_default=ClockTimestamp(), editable=False)
    message = models.TextField()
    base = models.ForeignKey(
        "packages.BasePackage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="log_entries",
    )

    class Meta:
        db_table = "log_entry"
        verbose_name_plural = "log entries"
        ordering = ["-timestamp", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(environment=LogEnvironment.BACKEND),
                name="log_entry_user_or_backend",
            ),
        ]

    def __str__(self) -> str:
        return self.message
