"""Admin for collections (edited, never created here: that needs Koji) and their groups."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html_join

from koschei_site.admin_base import KoscheiAdmin, StaffPermissionsMixin
from koschei_site.admin_links import admin_link
from packages.models import Collection, CollectionGroup, CollectionGroupRelation, Package
from packages.services import (
    create_collection_group,
    delete_collection,
    delete_collection_group,
    edit_collection_group,
    edit_collection_settings,
)
from packages.states import LogEnvironment

CREATE_HINT = (
    "Collections are created with `manage.py create-collection` (it looks the target up "
    "in Koji); here you can edit an existing one."
)

REPO_STATE = ("state_string", "latest_repo_id", "latest_repo_resolved", "repo_error")


@admin.register(Collection)
class CollectionAdmin(KoscheiAdmin):
    """Koji-derived fields are read-only; the others are saved through the audited service."""

    allow_add = False
    change_list_template = "admin/packages/collection/change_list.html"
    list_display = (
        "name",
        "display_name",
        "order",
        "state_string",
        "target",
        "build_tag",
        "dest_tag",
        "latest_repo_id",
        "secondary_mode",
        "poll_untracked",
        "priority_coefficient",
    )
    list_filter = ("secondary_mode", "poll_untracked", "latest_repo_resolved")
    search_fields = ("name", "display_name", "target")
    # Only the settings are editable here; the rest is Koji's or the resolver's.
    fields = ("name", *Collection.SETTINGS, *Collection.KOJI_FIELDS, *REPO_STATE)
    readonly_fields = ("name", *Collection.KOJI_FIELDS, *REPO_STATE)

    @admin.display(description="state")
    def state_string(self, obj: Collection) -> str:
        return obj.state_string

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        messages.error(request, CREATE_HINT)
        return HttpResponseRedirect(reverse("admin:packages_collection_changelist"))

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "hint": CREATE_HINT})

    def save_model(self, request: HttpRequest, obj: Collection, form: Any, change: bool) -> None:
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in Collection.SETTINGS}
        edit_collection_settings(
            collection=obj, changes=changes, user=request.user, environment=LogEnvironment.ADMIN
        )

    def delete_model(self, request: HttpRequest, obj: Collection) -> None:
        # The confirmation page (which lists the package count) is the operator's --force.
        delete_collection(
            collection=obj, force=True, user=request.user, environment=LogEnvironment.ADMIN
        )

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        """A summary instead of Django's walk over every package and build (far too many)."""
        collections = list(objs)
        packages = Package.objects.filter(collection__in=collections).count()
        summary = [
            f"Collection {c.name} with all its packages, builds and history" for c in collections
        ]
        return summary, {"collections": len(collections), "packages": packages}, set(), []


class CollectionMembershipInline(StaffPermissionsMixin, admin.TabularInline):
    """The collections of a group; saved through the collection group service."""

    model = CollectionGroupRelation
    fields = ("collection",)
    extra = 1
    verbose_name = "member collection"


@admin.register(CollectionGroup)
class CollectionGroupAdmin(KoscheiAdmin):
    """Collection groups and their membership, written by the collection group services."""

    inlines = (CollectionMembershipInline,)
    list_display = ("name", "display_name", "collection_names")
    search_fields = ("name", "display_name")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("collections")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("name",) if obj is not None else ()

    @admin.display(description="collections")
    def collection_names(self, obj: CollectionGroup) -> str:
        members = sorted(obj.collections.all(), key=lambda c: c.name)
        return format_html_join(", ", "{}", ((admin_link(c, c.name),) for c in members)) or "-"

    def save_model(
        self, request: HttpRequest, obj: CollectionGroup, form: Any, change: bool
    ) -> None:
        """Nothing yet: save_related makes one service call with the membership as well."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        names = [
            inline.cleaned_data["collection"].name
            for formset in formsets
            for inline in formset.forms
            if inline.cleaned_data.get("collection") and not inline.cleaned_data.get("DELETE")
        ]
        members_changed = any(formset.has_changed() for formset in formsets)
        for formset in formsets:
            # The relation rows are written by the service, not by formset.save();
            # Django's change message still looks for what the formset saved.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        group = form.instance
        audit = {"user": request.user, "environment": LogEnvironment.ADMIN}
        if not change:
            created = create_collection_group(
                name=group.name, display_name=group.display_name, collections=names, **audit
            )
            group.pk = created.pk
            group._state.adding = False
        elif members_changed or "display_name" in form.changed_data:
            edit_collection_group(
                group=group,
                display_name=group.display_name if "display_name" in form.changed_data else None,
                collections=names if members_changed else None,
                **audit,
            )

    def delete_model(self, request: HttpRequest, obj: CollectionGroup) -> None:
        delete_collection_group(group=obj, user=request.user, environment=LogEnvironment.ADMIN)
