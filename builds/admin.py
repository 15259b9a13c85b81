"""Operators' admin pages of the builds app: builds are Koji's facts, read-only but cancelable."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django_q.tasks import async_task

from builds.koji import KojiError, KojiSessions
from builds.models import (
    Build,
    CollectionStats,
    KojiTask,
    RepoMapping,
    ResourceConsumptionStats,
    ScalarStats,
    SubmissionClaim,
)
from builds.services import request_cancel
from builds.services.operator_submit import submit_now
from builds.services.repo_status import repo_status
from koschei_site.admin_base import ReadOnlyAdmin, ReadOnlyTabularInline
from koschei_site.admin_links import admin_link, audit_log_link
from koschei_site.errors import ServiceError
from packages.admin.collections import CollectionAdmin
from packages.admin.packages import PackageAdmin
from packages.models import Collection, Package
from packages.states import BuildState, LogEnvironment


class KojiTaskInline(ReadOnlyTabularInline):
    model = KojiTask
    fields = ("task_id", "arch", "state", "started", "finished", "logs")
    readonly_fields = ("logs",)

    @admin.display(description="logs")
    def logs(self, obj: KojiTask) -> str:
        url = obj.results_url
        return format_html(
            '<a href="{}/build.log">build.log</a> <a href="{}/root.log">root.log</a>', url, url
        )


class InfraFailureFilter(admin.SimpleListFilter):
    """Builds Koji failed (DESIGN 13.3), or the others."""

    title = "infrastructure failure"
    parameter_name = "infra"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Build]) -> QuerySet[Build]:
        if self.value() == "yes":
            return queryset.exclude(infra_failure="")
        if self.value() == "no":
            return queryset.filter(infra_failure="")
        return queryset


@admin.register(Build)
class BuildAdmin(ReadOnlyAdmin):
    """Builds mirror Koji (their pointers and flags are kept by triggers); operators may
    only ask for a running build to be canceled."""

    list_display = (
        "id",
        "package_name",
        "collection_name",
        "state",
        "task_id",
        "started",
        "finished",
        "real",
        "untagged",
        "last_complete",
        "cancel_requested",
        "deps_resolved",
        "infra",
    )
    list_filter = (
        "state",
        InfraFailureFilter,
        "real",
        "untagged",
        "last_complete",
        "cancel_requested",
        "deps_resolved",
        "package__collection",
    )
    list_select_related = ("package__collection",)
    search_fields = ("package__name", "=task_id")
    search_help_text = "Package name, or an exact Koji task id."
    ordering = ("-id",)
    show_full_result_count = False
    fields = (
        "package",
        "state",
        "koji_task",
        "started",
        "finished",
        "epoch",
        "version_release",
        "duration",
        "repo_id",
        "real",
        "untagged",
        "last_complete",
        "cancel_requested",
        "deps_resolved",
        "infra_failure",
        "audit_log",
    )
    readonly_fields = ("koji_task", "version_release", "duration", "audit_log")
    inlines = (KojiTaskInline,)
    actions = ("cancel",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Build]:
        return super().get_queryset(request).select_related("package__collection")

    @admin.display(description="package", ordering="package__name")
    def package_name(self, obj: Build) -> str:
        return admin_link(obj.package, obj.package.name)

    @admin.display(description="collection", ordering="package__collection__name")
    def collection_name(self, obj: Build) -> str:
        return admin_link(obj.package.collection, obj.package.collection.name)

    @admin.display(description="audit log")
    def audit_log(self, obj: Build) -> str:
        text = f"Audit log of {obj.package.name}"
        return audit_log_link(text, base__id__exact=obj.package.base_id)

    @admin.display(description="infra failure", boolean=True)
    def infra(self, obj: Build) -> bool:
        return obj.is_infra_failure

    @admin.display(description="version-release")
    def version_release(self, obj: Build) -> str:
        return f"{obj.version}-{obj.release}" if obj.version else "-"

    @admin.display(description="duration")
    def duration(self, obj: Build) -> str:
        if obj.finished is None:
            return "running" if obj.state == BuildState.RUNNING else "-"
        return str(obj.finished - obj.started).split(".")[0]

    @admin.display(description="Koji task")
    def koji_task(self, obj: Build) -> str:
        return format_html('<a href="{}">{}</a>', obj.taskinfo_url, obj.task_id)

    @admin.action(description="Request cancelation of selected running builds")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Build]) -> None:
        """Ask polling to cancel each running build (audited); the others are reported."""
        refused: Counter[str] = Counter()
        not_running = queryset.exclude(state=BuildState.RUNNING).count()
        if not_running:
            refused["Only running builds can be canceled."] = not_running
        requested = 0
        for build in queryset.filter(state=BuildState.RUNNING).order_by("pk"):
            try:
                request_cancel(build=build, user=request.user, environment=LogEnvironment.ADMIN)
            except ServiceError as error:
                refused[str(error)] += 1
            else:
                requested += 1
        if requested:
            self.message_user(request, f"Cancelation request sent for {requested} build(s).")
        for message, count in refused.items():
            self.message_user(request, f"{count} build(s) skipped: {message}", "warning")


@admin.register(KojiTask)
class KojiTaskAdmin(ReadOnlyAdmin):
    """The buildArch tasks of builds, as Koji reported them."""

    list_display = ("task_id", "arch", "state", "build_link", "started", "finished")
    list_filter = ("state", "arch")
    list_select_related = ("build__package",)
    search_fields = ("=task_id", "build__package__name")
    ordering = ("-id",)
    show_full_result_count = False

    @admin.display(description="build", ordering="build_id")
    def build_link(self, obj: KojiTask) -> str:
        return admin_link(obj.build)


@admin.register(SubmissionClaim)
class SubmissionClaimAdmin(ReadOnlyAdmin):
    """Packages the scheduler is submitting now (a stale one expires by itself)."""

    list_display = ("package_link", "claimed_at", "owner")
    list_select_related = ("package__collection",)

    @admin.display(description="package", ordering="package__name")
    def package_link(self, obj: SubmissionClaim) -> str:
        return admin_link(obj.package)


@admin.register(ScalarStats)
class ScalarStatsAdmin(ReadOnlyAdmin):
    """Totals refreshed by polling."""

    list_display = (
        "refresh_time",
        "packages",
        "tracked_packages",
        "untracked_packages",
        "active_packages",
        "blocked_packages",
        "builds",
        "real_builds",
        "scratch_builds",
    )

    @admin.display(description="untracked packages")
    def untracked_packages(self, obj: ScalarStats) -> int:
        return obj.untracked_packages

    @admin.display(description="active packages")
    def active_packages(self, obj: ScalarStats) -> int:
        return obj.active_packages


@admin.register(ResourceConsumptionStats)
class ResourceConsumptionStatsAdmin(ReadOnlyAdmin):
    """Koji time per package name and arch, refreshed by polling."""

    list_display = ("name", "arch", "time", "share")
    list_filter = ("arch",)
    search_fields = ("name",)

    @admin.display(description="share", ordering="time_percentage")
    def share(self, obj: ResourceConsumptionStats) -> str:
        if obj.time_percentage is None:
            return "-"
        return f"{obj.time_percentage * 100:.2f} %"


@admin.register(CollectionStats)
class CollectionStatsAdmin(ReadOnlyAdmin):
    """Each collection's package states and queue at every statistics refresh (the plots)."""

    list_display = (
        "time",
        "collection_link",
        "ok",
        "failing",
        "unresolved",
        "unknown",
        "running",
        "queue",
    )
    list_filter = ("collection",)
    list_select_related = ("collection",)
    ordering = ("-time",)
    show_full_result_count = False

    @admin.display(description="collection", ordering="collection__name")
    def collection_link(self, obj: CollectionStats) -> str:
        return admin_link(obj.collection, obj.collection.name)


@admin.register(RepoMapping)
class RepoMappingAdmin(ReadOnlyAdmin):
    """Secondary mode: which primary repo mirrors a secondary repo."""

    list_display = ("secondary_id", "primary_id", "task_id", "failures")
    search_fields = ("=secondary_id", "=primary_id", "=task_id")
    ordering = ("-secondary_id",)


@admin.action(description="Refresh packages and builds from Koji now")
def refresh_from_koji(
    modeladmin: admin.ModelAdmin[Collection], request: HttpRequest, queryset: QuerySet[Collection]
) -> None:
    """Queue the polling's package-list and real-build refreshes of the selected collections."""
    ids = list(queryset.values_list("pk", flat=True))
    for collection_id in ids:
        async_task("builds.tasks.refresh_packages", collection_id)
        async_task("builds.tasks.refresh_real_builds", collection_id)
    modeladmin.message_user(request, f"Queued the Koji refresh of {len(ids)} collection(s).")


# the collection admin (packages) gets the actions that need this app's tasks
CollectionAdmin.actions = (*(CollectionAdmin.actions or ()), refresh_from_koji)


class KojiCollectionAdmin(CollectionAdmin):
    """The collection admin with Koji's view beside Koschei's: the build tag's latest repo
    next to the last one recorded, and how far behind that is."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Koji is asked here, before Django's change form opens its transaction.
        collection = self.get_object(request, object_id)
        if collection is not None and request.method == "GET" and self.has_view_permission(request):
            sessions = KojiSessions.for_pages()
            try:
                extra_context = {
                    **(extra_context or {}),
                    "repo_status": repo_status(collection=collection, sessions=sessions),
                }
            finally:
                sessions.close()
        return super().change_view(request, object_id, form_url, extra_context)


admin.site.unregister(Collection)
admin.site.register(Collection, KojiCollectionAdmin)

# Koji is called once per package, in the request: an action submits this many at most.
MAX_SUBMISSIONS = 20


@admin.action(description="Submit a scratch build of selected packages now")
def submit_scratch_builds(
    modeladmin: PackageAdmin, request: HttpRequest, queryset: QuerySet[Package]
) -> HttpResponse | None:
    """After confirmation, submit each selected package now (audited); refusals reported."""
    count = queryset.count()
    if count > MAX_SUBMISSIONS:
        modeladmin.message_user(
            request, f"Select at most {MAX_SUBMISSIONS} packages to submit at once.", "error"
        )
        return None
    if "apply" not in request.POST:
        return _confirm_submission(modeladmin, request, queryset, count)
    packages = queryset.select_related("collection", "base").order_by("name", "collection__name")
    sessions = KojiSessions.for_commands()
    try:
        for package in packages:
            try:
                build = submit_now(
                    package=package,
                    sessions=sessions,
                    user=request.user,
                    environment=LogEnvironment.ADMIN,
                )
            except (ServiceError, KojiError) as error:
                modeladmin.message_user(request, str(error), "error")
            else:
                where = f"{package.name} in {package.collection.name}"
                modeladmin.message_user(request, f"Submitted {where}: task {build.task_id}")
    finally:
        sessions.close()
    return None


def _confirm_submission(
    modeladmin: PackageAdmin, request: HttpRequest, queryset: QuerySet[Package], count: int
) -> TemplateResponse:
    what = "Submit scratch builds"
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": what,
        "opts": modeladmin.model._meta,
        "what": what,
        "packages": queryset.select_related("collection")[:MAX_SUBMISSIONS],
        "count": count,
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action": request.POST.get("action", ""),
    }
    return TemplateResponse(request, "admin/packages/package/confirm_bulk.html", context)


# the package admin (packages) gets the action that needs this app's submission service
PackageAdmin.actions = (*(PackageAdmin.actions or ()), submit_scratch_builds)
