"""Admin for package groups and their maintainers, written through the audited group services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from koschei_site.admin_base import KoscheiAdmin
from koschei_site.admin_links import admin_link, audit_log_link
from koschei_site.errors import ServiceError
from packages.models import GroupACL, PackageGroup, PackageGroupRelation
from packages.services import (
    create_group,
    delete_group,
    edit_group,
    set_group_content,
    set_group_maintainers,
)
from packages.services.validation import NAME_RE
from packages.states import LogEnvironment

SPLIT = re.compile(r"[\s,]+")


def split_names(text: str) -> list[str]:
    return [name for name in SPLIT.split(text or "") if name]


class PackageGroupForm(forms.ModelForm):
    """Members and maintainers as name lists: a group may hold thousands of packages, too
    many for inline rows (and for Django's limit on POSTed fields)."""

    packages = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text="Package names separated by spaces, commas or new lines; all must exist.",
    )
    owners = forms.CharField(
        label="Maintainers",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="User names; unknown users are created.",
    )

    class Meta:
        model = PackageGroup
        fields = ("namespace", "name")
        help_texts = {"namespace": "Empty for a global group."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            members = self.instance.members.order_by("name").values_list("name", flat=True)
            self.initial["packages"] = "\n".join(members)
            users = self.instance.maintainers.order_by("username")
            self.initial["owners"] = " ".join(u.get_username() for u in users)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        namespace, name = data.get("namespace"), data.get("name")
        for part in (namespace, name):
            if part is not None and not NAME_RE.fullmatch(part):
                raise ValidationError(f"Invalid group name: {part!r}")
        return data


@admin.register(PackageGroup)
class PackageGroupAdmin(KoscheiAdmin):
    """Groups: create, rename, set content and maintainers, delete; every step audited."""

    form = PackageGroupForm
    fields = (
        "namespace",
        "name",
        "package_count",
        "packages",
        "owners",
        "snoozed_until",
        "audit_log",
    )
    readonly_fields = ("package_count", "snoozed_until", "audit_log")
    list_display = (
        "full_name",
        "namespace",
        "name",
        "package_count",
        "maintainer_names",
        "snoozed_until",
    )
    list_filter = (("namespace", admin.EmptyFieldListFilter),)
    search_fields = ("name", "namespace")
    ordering = ("namespace", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PackageGroup]:
        return super().get_queryset(request).with_package_count().prefetch_related("maintainers")

    @admin.display(description="full name", ordering="name")
    def full_name(self, obj: PackageGroup) -> str:
        return obj.full_name

    @admin.display(description="packages", ordering="package_count")
    def package_count(self, obj: PackageGroup) -> int:
        return getattr(obj, "package_count", 0)

    @admin.display(description="maintainers")
    def maintainer_names(self, obj: PackageGroup) -> str:
        return ", ".join(sorted(u.get_username() for u in obj.maintainers.all()))

    @admin.display(description="audit log")
    def audit_log(self, obj: PackageGroup) -> str:
        if obj.pk is None:
            return "-"
        return audit_log_link(f"Audit log of {obj.full_name}", about=f"group:{obj.full_name}")

    def save_model(self, request: HttpRequest, obj: PackageGroup, form: Any, change: bool) -> None:
        packages = split_names(form.cleaned_data["packages"])
        maintainers = split_names(form.cleaned_data["owners"])
        if not change:
            group = create_group(
                full_name=obj.full_name,
                user=request.user,
                environment=LogEnvironment.ADMIN,
                content=packages or None,
                maintainers=maintainers,
            )
            obj.pk = group.pk
            obj._state.adding = False
            return
        group = PackageGroup.objects.select_for_update().get(pk=obj.pk)
        audit = {"user": request.user, "environment": LogEnvironment.ADMIN}
        if {"namespace", "name"} & set(form.changed_data):
            edit_group(
                group=group,
                new_name=obj.name,
                new_namespace=obj.namespace,
                make_global=obj.namespace is None,
                **audit,
            )
        if "packages" in form.changed_data:
            set_group_content(group=group, names=packages, append=False, **audit)
        if "owners" in form.changed_data:
            set_group_maintainers(group=group, usernames=maintainers, **audit)

    def delete_model(self, request: HttpRequest, obj: PackageGroup) -> None:
        delete_group(group=obj, user=request.user, environment=LogEnvironment.ADMIN)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        """A summary: Django would list every membership row of a big group."""
        groups = list(objs)
        summary = [f"Group {g.full_name} with its memberships and maintainers" for g in groups]
        members = PackageGroupRelation.objects.filter(group__in=groups).count()
        return summary, {"groups": len(groups), "memberships": members}, set(), []


class GroupACLForm(forms.ModelForm):
    """A maintainer is named by user name (created if unknown), as everywhere in Koschei."""

    username = forms.CharField(label="User name", max_length=150)

    class Meta:
        model = GroupACL
        fields = ("group",)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        group, username = data.get("group"), (data.get("username") or "").strip()
        if group and group.maintainers.filter(username=username).exists():
            raise ValidationError(f"{username} already maintains {group.full_name}")
        data["username"] = username
        return data


@admin.register(GroupACL)
class GroupACLAdmin(KoscheiAdmin):
    """Group maintainers: added and removed through the audited maintainer service."""

    allow_change = False
    form = GroupACLForm
    autocomplete_fields = ("group",)
    list_display = ("group_link", "user_link")
    list_select_related = ("group", "user")
    search_fields = ("group__name", "group__namespace", "user__username")

    @admin.display(description="group", ordering="group__name")
    def group_link(self, obj: GroupACL) -> str:
        return admin_link(obj.group, obj.group.full_name)

    @admin.display(description="user", ordering="user__username")
    def user_link(self, obj: GroupACL) -> str:
        return admin_link(obj.user)

    def save_model(self, request: HttpRequest, obj: GroupACL, form: Any, change: bool) -> None:
        username = form.cleaned_data["username"]
        set_group_maintainers(
            group=obj.group,
            usernames=[username],
            append=True,
            user=request.user,
            environment=LogEnvironment.ADMIN,
        )
        acl = GroupACL.objects.get(group=obj.group, user__username=username)
        obj.pk, obj.user = acl.pk, acl.user
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: GroupACL) -> None:
        group = obj.group
        remaining = group.maintainers.exclude(pk=obj.user_id).values_list("username", flat=True)
        if not remaining:
            raise ServiceError(f"Group {group.full_name} must keep at least one maintainer")
        set_group_maintainers(
            group=group,
            usernames=list(remaining),
            user=request.user,
            environment=LogEnvironment.ADMIN,
        )
