"""Shared behaviour of Koschei's admin pages: staff-only access and service errors as messages.

Every Koschei admin page is for operators: an active staff user may use all of them without
per-model permission setup, nobody else may see them.  Writes go through the domain
services; a ``ServiceError`` they raise is shown to the operator, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from koschei_site.errors import ServiceError

# The request attribute carrying a service error into the re-rendered change form.
_SERVICE_ERROR = "_koschei_service_error"


def is_operator(request: HttpRequest) -> bool:
    """Active staff users operate Koschei; the admin refuses everyone else."""
    user = request.user
    return bool(user.is_active and user.is_staff)


class StaffPermissionsMixin:
    """Grant an operator view/add/change/delete unless the admin class switches it off."""

    allow_add = True
    allow_change = True
    allow_delete = True

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_operator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.allow_add and is_operator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_change and is_operator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and is_operator(request)


class KoscheiAdmin(StaffPermissionsMixin, admin.ModelAdmin):
    """Base of every Koschei ModelAdmin.

    A ``ServiceError`` raised while saving (inside Django's transaction, so nothing is
    kept) re-renders the form with the error; raised while deleting or by a bulk delete,
    it becomes an error message.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as error:
            # Validate the same POST again, now with the error attached to the form.
            setattr(request, _SERVICE_ERROR, str(error))
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, _SERVICE_ERROR, None)
        if error is None:
            return form

        class FormWithServiceError(form):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                super().clean()
                raise ValidationError(error)

        return FormWithServiceError

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except ServiceError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class ReadOnlyAdmin(KoscheiAdmin):
    """Rows written only by the backend (or append-only): operators look, never touch."""

    allow_add = False
    allow_change = False
    allow_delete = False


class ReadOnlyTabularInline(StaffPermissionsMixin, admin.TabularInline):
    """An inline listing related rows that are not edited by hand."""

    allow_add = False
    allow_change = False
    allow_delete = False
    extra = 0
    show_change_link = True
