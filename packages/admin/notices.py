"""Admin for the global notice (audited) and the append-only audit log (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from koschei_site.admin_base import KoscheiAdmin, ReadOnlyAdmin, is_operator
from koschei_site.admin_links import admin_link
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


def about_condition(about: str) -> Q | None:
    """The entries about ``collection:NAME`` or ``group:[NAMESPACE/]NAME``, else None.

    Collection and group entries carry no foreign key: their messages start with the
    object's name (group services name a group by its full name or by its bare name).
    """
    kind, _, name = about.partition(":")
    if not name:
        return None
    if kind == "collection":
        return Q(message__startswith=f"Collection {name} ")
    if kind == "group":
        bare = name.rpartition("/")[2]
        return Q(message__startswith=f"Group {name} ") | Q(message__startswith=f"Group {bare} ")
    return None


class AboutFilter(admin.SimpleListFilter):
    """Entries about one collection or group (the admin pages of both link here)."""

    title = "about"
    parameter_name = "about"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        # Shown only while filtering: the choice is made by the link that led here.
        value = self.value()
        return [(value, value.replace(":", " ", 1))] if value else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
        condition = about_condition(self.value() or "")
        return queryset if condition is None else queryset.filter(condition)


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    """The audit log: append-only, so operators may only read it."""

    list_display = ("timestamp", "environment", "user_link", "base_link", "message")
    list_filter = (
        "environment",
        "timestamp",
        ("base", admin.RelatedOnlyFieldListFilter),
        AboutFilter,
    )
    list_select_related = ("user", "base")
    search_fields = ("message", "user__username", "base__name")
    ordering = ("-id",)
    show_full_result_count = False

    @admin.display(description="user", ordering="user__username")
    def user_link(self, obj: LogEntry) -> str:
        return admin_link(obj.user)

    @admin.display(description="base package", ordering="base__name")
    def base_link(self, obj: LogEntry) -> str:
        return admin_link(obj.base)
