"""Admin for base packages and packages: scheduler settings edited through audited services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from koschei_site.admin_base import KoscheiAdmin, ReadOnlyAdmin, ReadOnlyTabularInline
from koschei_site.admin_links import admin_link, audit_log_link
from koschei_site.errors import ServiceError
from packages.models import BasePackage, Package
from packages.models.package import state_condition
from packages.services import set_package_attribute
from packages.services.tracking import normalize_arch_override, set_attribute_bulk
from packages.states import LogEnvironment, PackageState

# The attributes an operator (or any packager, on the web) may set; the order is the
# order in which a change form's edits are applied and audited.
EDITABLE = ("tracked", "skip_resolution", "manual_priority", "static_priority", "arch_override")
INT4 = 2**31


class PackageStateFilter(admin.SimpleListFilter):
    """Filter by ``state_string``, the first-rule-wins package state."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, state.label) for state in PackageState]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Package]) -> QuerySet[Package]:
        value = self.value()
        if value not in PackageState.values:
            return queryset
        return queryset.filter(state_condition(value))


class PackageInline(ReadOnlyTabularInline):
    model = Package
    fields = ("collection", "tracked", "blocked", "state_string")
    readonly_fields = ("state_string",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Package]:
        return super().get_queryset(request).select_related("collection")

    @admin.display(description="state")
    def state_string(self, obj: Package) -> str:
        return obj.state_string


@admin.register(BasePackage)
class BasePackageAdmin(ReadOnlyAdmin):
    """Base packages appear with Koji's package list; ``all_blocked`` is kept by a trigger."""

    list_display = ("name", "all_blocked")
    list_filter = ("all_blocked",)
    search_fields = ("name",)
    show_full_result_count = False
    fields = ("name", "all_blocked", "audit_log")
    readonly_fields = ("audit_log",)
    inlines = (PackageInline,)

    @admin.display(description="audit log")
    def audit_log(self, obj: BasePackage) -> str:
        return audit_log_link(f"Audit log of {obj.name}", base__id__exact=obj.pk)


class PackageForm(forms.ModelForm):
    class Meta:
        model = Package
        fields = EDITABLE

    def clean_arch_override(self) -> str | None:
        try:
            return normalize_arch_override(self.cleaned_data.get("arch_override"))
        except ServiceError as error:
            raise ValidationError(str(error)) from None


class PriorityForm(forms.Form):
    priority = forms.IntegerField(min_value=-INT4, max_value=INT4 - 1)


def _priority_action(attr: str, label: str) -> Any:
    """An action asking for a priority value on an intermediate page, then setting ``attr``."""

    @admin.action(description=f"Set {label} of selected packages")
    def action(
        modeladmin: PackageAdmin, request: HttpRequest, queryset: QuerySet[Package]
    ) -> HttpResponse | None:
        form = PriorityForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            modeladmin.set_bulk(request, queryset, attr, form.cleaned_data["priority"])
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"Set {label}",
            "opts": modeladmin.model._meta,
            "form": form,
            "label": label,
            "count": queryset.count(),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action": request.POST.get("action", ""),
        }
        return TemplateResponse(request, "admin/packages/package/set_priority.html", context)

    action.__name__ = f"set_{attr}"
    return action


@admin.register(Package)
class PackageAdmin(KoscheiAdmin):
    """Packages come from Koji: only the scheduler settings are editable, each change audited."""

    allow_add = False
    allow_delete = False
    form = PackageForm
    list_display = (
        "name",
        "collection_link",
        "state",
        "tracked",
        "blocked",
        "resolved",
        "current_priority",
        "running",
        "manual_priority",
        "static_priority",
        "arch_override",
    )
    list_filter = (
        PackageStateFilter,
        "collection",
        "tracked",
        "blocked",
        "resolved",
        "skip_resolution",
        "last_complete_build_state",
    )
    list_select_related = ("collection",)
    search_fields = ("name",)
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("name", "collection", "base", "state", "skip_reasons")}),
        ("Scheduler settings", {"fields": EDITABLE}),
        (
            "Derived (maintained by the backend and database triggers)",
            {
                "fields": (
                    "current_priority",
                    "dependency_priority",
                    "build_priority",
                    "blocked",
                    "resolved",
                    "scheduler_skip_reason",
                    "running",
                    "last_build",
                    "last_complete_build",
                    "last_complete_build_state",
                )
            },
        ),
        (
            "Noise control (the snooze command; backoff kept after each build's end)",
            {"fields": ("snoozed_until", "backoff_until")},
        ),
    )
    readonly_fields = (
        "name",
        "collection",
        "base",
        "state",
        "skip_reasons",
        "current_priority",
        "dependency_priority",
        "build_priority",
        "blocked",
        "resolved",
        "scheduler_skip_reason",
        "running",
        "last_build",
        "last_complete_build",
        "last_complete_build_state",
        "snoozed_until",
        "backoff_until",
    )
    actions = (
        "track",
        "untrack",
        _priority_action("manual_priority", "manual priority"),
        _priority_action("static_priority", "static priority"),
        "clear_arch_override",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Package]:
        return super().get_queryset(request).with_priority().with_group_snooze()

    @admin.display(description="state")
    def state(self, obj: Package) -> str:
        return obj.state_display

    @admin.display(description="collection", ordering="collection__name")
    def collection_link(self, obj: Package) -> str:
        return admin_link(obj.collection, obj.collection.name)

    @admin.display(description="current priority", ordering="current_priority")
    def current_priority(self, obj: Package) -> str:
        value = getattr(obj, "current_priority", None)
        return "-" if value is None else f"{value:.0f}"

    @admin.display(description="running build", boolean=True)
    def running(self, obj: Package) -> bool:
        return obj.has_running_build

    @admin.display(description="why not scheduled")
    def skip_reasons(self, obj: Package) -> str:
        if getattr(obj, "current_priority", None) is not None:
            return "-"
        return "; ".join(obj.skip_reasons()) or "-"

    def save_model(self, request: HttpRequest, obj: Package, form: Any, change: bool) -> None:
        current = (
            Package.objects.select_for_update(of=("self",))
            .select_related("collection")
            .get(pk=obj.pk)
        )
        for attr in EDITABLE:
            if attr in form.changed_data:
                set_package_attribute(
                    package=current,
                    attr=attr,
                    value=form.cleaned_data[attr],
                    user=request.user,
                    environment=LogEnvironment.ADMIN,
                )

    def set_bulk(
        self, request: HttpRequest, queryset: QuerySet[Package], attr: str, value: Any
    ) -> None:
        """Apply one attribute to the selected packages through the audited service."""
        packages = Package.objects.filter(pk__in=queryset.values("pk")).select_related("collection")
        try:
            changed = set_attribute_bulk(
                packages=packages,
                attr=attr,
                value=value,
                user=request.user,
                environment=LogEnvironment.ADMIN,
            )
        except ServiceError as error:
            messages.error(request, str(error))
            return
        self.message_user(request, f"Set {attr} to {value} on {len(changed)} package(s).")

    def confirmed(
        self,
        request: HttpRequest,
        queryset: QuerySet[Package],
        attr: str,
        value: Any,
        what: str,
    ) -> HttpResponse | None:
        """Apply after the operator confirmed on an intermediate page listing the packages."""
        if "apply" in request.POST:
            self.set_bulk(request, queryset, attr, value)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": what,
            "opts": self.model._meta,
            "what": what,
            "packages": queryset.select_related("collection")[:200],
            "count": queryset.count(),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action": request.POST.get("action", ""),
        }
        return TemplateResponse(request, "admin/packages/package/confirm_bulk.html", context)

    @admin.action(description="Track selected packages")
    def track(self, request: HttpRequest, queryset: QuerySet[Package]) -> HttpResponse | None:
        return self.confirmed(request, queryset, "tracked", True, "Track packages")

    @admin.action(description="Untrack selected packages")
    def untrack(self, request: HttpRequest, queryset: QuerySet[Package]) -> HttpResponse | None:
        return self.confirmed(request, queryset, "tracked", False, "Untrack packages")

    @admin.action(description="Clear arch override of selected packages")
    def clear_arch_override(
        self, request: HttpRequest, queryset: QuerySet[Package]
    ) -> HttpResponse | None:
        what = "Clear the arch override of packages"
        return self.confirmed(request, queryset, "arch_override", None, what)
