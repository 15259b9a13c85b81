"""Admin for the global notice (audited) and the append-only audit log (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from koschei_site.admin_base import KoscheiAdmin, ReadOnlyAdmin, is_operator
from koschei_site.errors import ServiceError
from packages.models import AdminNotice, LogEntry
from packages.services import clear_notice, set_notice
from packages.states import LogEnvironment


@admin.register(AdminNotice)
class AdminNoticeAdmin(KoscheiAdmin):
    """The notice shown on every page; only ``global_notice`` exists."""

    fields = ("key", "content")
    readonly_fields = ("key",)
    list_display = ("key", "content")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return (
            is_operator(request) and not AdminNotice.objects.filter(key=AdminNotice.GLOBAL).exists()
        )

    def save_model(self, request: HttpRequest, obj: AdminNotice, form: Any, change: bool) -> None:
        if obj.key and obj.key != AdminNotice.GLOBAL:
            raise ServiceError(f"Only the {AdminNotice.GLOBAL} notice is shown; edit that one")
        notice = set_notice(
            content=obj.content, user=request.user, environment=LogEnvironment.ADMIN
        )
        obj.key, obj.content = notice.key, notice.content
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: AdminNotice) -> None:
        if obj.key != AdminNotice.GLOBAL:
            raise ServiceError(f"Only the {AdminNotice.GLOBAL} notice is managed here")
        clear_notice(user=request.user, environment=LogEnvironment.ADMIN)


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    """The audit log: append-only, so operators may only read it."""

    list_display = ("timestamp", "environment", "user", "base", "message")
    list_filter = ("environment", "timestamp", ("base", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "base")
    search_fields = ("message", "user__username", "base__name")
    ordering = ("-id",)
    show_full_result_count = False
