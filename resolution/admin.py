"""Operators' admin pages of the resolution app: resolver output, read-only.

Every row here is written by the resolvers and describes what happened; editing one by
hand would make the package history lie, and no service audits such edits.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_q.tasks import async_task

from koschei_site.admin_base import ReadOnlyAdmin, ReadOnlyTabularInline
from koschei_site.admin_links import admin_link
from packages.admin.collections import CollectionAdmin
from packages.models import Collection, Package
from resolution.models import (
    AppliedChange,
    BuildrootProblem,
    Dependency,
    PackageResolution,
    ResolutionChange,
    ResolutionChunk,
    ResolutionProblem,
    ResolutionRun,
    SrpmRequires,
    UnappliedChange,
)
from resolution.models.dependency import nevras

# Package names shown for a chunk at most (a chunk holds a few hundred).
CHUNK_NAMES = 500


def _evr(dep: Dependency | None) -> str:
    return dep.evr if dep is not None else "-"


def name_list(names: list[str]) -> str:
    """Names one per line, escaped."""
    if not names:
        return "-"
    return format_html_join(mark_safe("<br>"), "{}", ((name,) for name in names))


def package_names(ids: list[int]) -> str:
    """Package ids as "name (collection)", linked to their admin pages."""
    shown = ids[:CHUNK_NAMES]
    packages = Package.objects.filter(pk__in=shown).select_related("collection").order_by("name")
    links = format_html_join(", ", "{}", ((admin_link(p),) for p in packages))
    more = len(ids) - len(shown)
    return format_html("{} … and {} more", links, more) if more else links


@admin.register(Dependency)
class DependencyAdmin(ReadOnlyAdmin):
    """The flyweight NEVRA table (possibly millions of rows)."""

    list_display = ("name", "epoch", "version", "release", "arch")
    search_fields = ("name",)
    search_help_text = "Exact binary package name."
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Dependency], search_term: str
    ) -> tuple[QuerySet[Dependency], bool]:
        # An exact match uses the (name, ...) unique index; a substring scan would not.
        term = search_term.strip()
        return (queryset.filter(name=term) if term else queryset), False


class DependencyChangeAdmin(ReadOnlyAdmin):
    list_select_related = ("prev_dep", "curr_dep")
    ordering = ("-id",)
    show_full_result_count = False

    @admin.display(description="dependency")
    def dependency(self, obj: Any) -> str:
        return obj.dep_name

    @admin.display(description="previous")
    def previous(self, obj: Any) -> str:
        return _evr(obj.prev_dep)

    @admin.display(description="current")
    def current(self, obj: Any) -> str:
        return _evr(obj.curr_dep)


@admin.register(AppliedChange)
class AppliedChangeAdmin(DependencyChangeAdmin):
    """Dependency changes between a build and the previous one."""

    list_display = ("dependency", "previous", "current", "distance", "build_link")
    list_select_related = ("prev_dep", "curr_dep", "build__package")
    search_fields = ("build__package__name", "=build__task_id")

    @admin.display(description="build", ordering="build_id")
    def build_link(self, obj: AppliedChange) -> str:
        return admin_link(obj.build)


@admin.register(UnappliedChange)
class UnappliedChangeAdmin(DependencyChangeAdmin):
    """Dependency changes since a package's last build."""

    list_display = ("dependency", "previous", "current", "distance", "package_link")
    list_select_related = ("prev_dep", "curr_dep", "package__collection")
    list_filter = ("package__collection",)
    search_fields = ("package__name",)

    @admin.display(description="package", ordering="package__name")
    def package_link(self, obj: UnappliedChange) -> str:
        return admin_link(obj.package)


class ResolutionProblemInline(ReadOnlyTabularInline):
    model = ResolutionProblem
    fields = ("problem",)
    show_change_link = False


@admin.register(ResolutionChange)
class ResolutionChangeAdmin(ReadOnlyAdmin):
    """Changes of a package's resolvability, with their problems."""

    list_display = ("timestamp", "package_link", "resolved")
    list_filter = ("resolved", "package__collection")
    list_select_related = ("package__collection",)
    search_fields = ("package__name",)
    ordering = ("-id",)
    show_full_result_count = False
    inlines = (ResolutionProblemInline,)

    @admin.display(description="package", ordering="package__name")
    def package_link(self, obj: ResolutionChange) -> str:
        return admin_link(obj.package)


@admin.register(ResolutionProblem)
class ResolutionProblemAdmin(ReadOnlyAdmin):
    """One problem string of an unresolved resolution change."""

    list_display = ("problem", "package", "timestamp")
    list_select_related = ("resolution__package__collection",)
    search_fields = ("problem", "resolution__package__name")
    ordering = ("-id",)
    show_full_result_count = False

    @admin.display(description="package", ordering="resolution__package__name")
    def package(self, obj: ResolutionProblem) -> str:
        return admin_link(obj.resolution.package)

    @admin.display(description="timestamp", ordering="resolution__timestamp")
    def timestamp(self, obj: ResolutionProblem) -> Any:
        return obj.resolution.timestamp


@admin.register(BuildrootProblem)
class BuildrootProblemAdmin(ReadOnlyAdmin):
    """Why a collection's base buildroot does not install."""

    list_display = ("collection_link", "problem")
    list_filter = ("collection",)
    list_select_related = ("collection",)
    search_fields = ("problem",)

    @admin.display(description="collection", ordering="collection__name")
    def collection_link(self, obj: BuildrootProblem) -> str:
        return admin_link(obj.collection, obj.collection.name)


class ResolutionChunkInline(ReadOnlyTabularInline):
    model = ResolutionChunk
    fields = ("done", "enqueued_at", "attempts")


@admin.register(ResolutionRun)
class ResolutionRunAdmin(ReadOnlyAdmin):
    """Repo resolution runs: progress in chunks, figures, and why a repo failed."""

    list_display = (
        "id",
        "collection_link",
        "repo_id",
        "kind",
        "state",
        "chunks_done",
        "chunks_total",
        "packages",
        "reused",
        "changed",
        "problems",
        "started_at",
        "finished_at",
    )
    list_filter = ("state", "kind", "collection")
    list_select_related = ("collection",)
    search_fields = ("=repo_id",)
    ordering = ("-id",)
    inlines = (ResolutionChunkInline,)

    @admin.display(description="collection", ordering="collection__name")
    def collection_link(self, obj: ResolutionRun) -> str:
        return admin_link(obj.collection, obj.collection.name)


@admin.register(ResolutionChunk)
class ResolutionChunkAdmin(ReadOnlyAdmin):
    """Chunks of resolution runs (an open, overdue chunk is re-enqueued by the repo check)."""

    list_display = ("id", "run_link", "done", "enqueued_at", "attempts")
    list_filter = ("done",)
    list_select_related = ("run__collection",)
    ordering = ("-id",)
    fields = ("run", "done", "enqueued_at", "attempts", "packages", "reusable_packages")
    readonly_fields = ("packages", "reusable_packages")

    @admin.display(description="run", ordering="run_id")
    def run_link(self, obj: ResolutionChunk) -> str:
        return admin_link(obj.run)

    @admin.display(description="packages")
    def packages(self, obj: ResolutionChunk) -> str:
        return package_names(obj.package_ids)

    @admin.display(description="reusable install sets")
    def reusable_packages(self, obj: ResolutionChunk) -> str:
        return package_names(obj.reusable)


@admin.register(PackageResolution)
class PackageResolutionAdmin(ReadOnlyAdmin):
    """Each package's stored install set (incremental resolution reuses it)."""

    list_display = ("package_link", "repo_id", "set_size", "inputs_digest")
    list_select_related = ("package__collection",)
    search_fields = ("package__name",)
    ordering = ("package_id",)
    fields = (
        "package",
        "repo_id",
        "inputs_digest",
        "last_build_id",
        "baseline_build_id",
        "install_set_nevras",
    )
    readonly_fields = ("install_set_nevras",)

    @admin.display(description="package", ordering="package__name")
    def package_link(self, obj: PackageResolution) -> str:
        return admin_link(obj.package)

    @admin.display(description="install set size")
    def set_size(self, obj: PackageResolution) -> int:
        return len(obj.install_set)

    @admin.display(description="install set")
    def install_set_nevras(self, obj: PackageResolution) -> str:
        return name_list(nevras(obj.install_set))


@admin.register(SrpmRequires)
class SrpmRequiresAdmin(ReadOnlyAdmin):
    """BuildRequires of SRPMs as fetched once from Koji."""

    list_display = ("nvra", "koji_id")
    search_fields = ("nvra",)
    ordering = ("nvra",)


@admin.action(description="Check for a new repo and resolve it now")
def check_repos_now(
    modeladmin: admin.ModelAdmin[Collection], request: HttpRequest, queryset: QuerySet[Collection]
) -> None:
    """Queue the periodic repo check (every collection) at once."""
    async_task("resolution.tasks.check_new_repos")
    modeladmin.message_user(
        request, "Queued the repo check; new repos are resolved by the workers."
    )


@admin.action(description="Re-resolve the latest repo now (every package, no reuse)")
def reresolve_now(
    modeladmin: admin.ModelAdmin[Collection], request: HttpRequest, queryset: QuerySet[Collection]
) -> None:
    """Queue a full resolution of each selected collection's latest repo, new or not."""
    ids = list(queryset.values_list("pk", flat=True))
    for collection_id in ids:
        async_task("resolution.tasks.reresolve_collection", collection_id)
    modeladmin.message_user(
        request, f"Queued the re-resolution of {len(ids)} collection(s); the workers resolve them."
    )


CollectionAdmin.actions = (*(CollectionAdmin.actions or ()), check_repos_now, reresolve_now)
