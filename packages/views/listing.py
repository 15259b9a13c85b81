"""The package list behind ``/``, ``/packages``, ``/search``, group pages and user pages.

Spec 2.2: with one current collection a row is a package of that collection (not blocked,
and tracked unless ``untracked=1``); with several, a row is a base package with a cell per
current collection.  ``order_by`` is a comma list of keys, ``-`` reversing one; unknown keys
are ignored; every order ends with the name so that pages are stable.  Beyond upstream the
list can be narrowed to a state (``state=failing``), a group (``group=ns/name``) or a name
pattern (``q``, ``*`` as a wildcard).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import OrderBy
from django.http import Http404, QueryDict

from packages.models import BasePackage, Collection, Package, PackageGroup
from packages.models.package import (
    LAST_BUILD_COMPLETE,
    LAST_BUILD_STATE,
    PackageQuerySet,
    state_condition,
)
from packages.states import BuildState, PackageState

SINGLE_DEFAULT = "running,state,name"
UNIFIED_DEFAULT = "running,failing,name"

# key -> [(expression, descending, nulls_last)] for the one-collection list
_SINGLE_KEYS: dict[str, list[tuple[Any, bool, bool | None]]] = {
    "name": [(F("name"), False, None)],
    "state": [(F("resolved"), False, None), (LAST_BUILD_STATE, True, None)],
    "running": [(LAST_BUILD_COMPLETE, False, None)],
    "task_id": [(F("last_build__task_id"), False, None)],
    "started": [(F("last_build__started"), False, None)],
    "current_priority": [(F("current_priority"), True, True)],
}


@dataclass(frozen=True)
class ListFilter:
    """What narrows the list, read from the query string (and the page's own restriction)."""

    untracked: bool = False
    state: str = ""
    group: PackageGroup | None = None
    pattern: str = ""
    base_ids: Sequence[int] | None = None  # a page's own restriction (a user's packages)

    @classmethod
    def from_query(cls, query: QueryDict, **restriction: Any) -> ListFilter:
        state = query.get("state", "")
        if state and state not in PackageState.values:
            raise Http404(f"Unknown state: {state}")
        group = restriction.pop("group", None)
        if group is None and query.get("group"):
            group = find_group(query.get("group", ""))
        return cls(
            untracked=query.get("untracked") == "1",
            state=state,
            group=group,
            pattern=query.get("q", "").strip(),
            **restriction,
        )


@dataclass
class Row:
    """A row of the unified list: a base package and its package per current collection."""

    base: BasePackage
    cells: list[Package | None] = field(default_factory=list)


@dataclass
class Listing:
    """A page of the list, ready for the template."""

    page: Page
    unified: bool
    collections: list[Collection]
    order: str


def find_group(full_name: str) -> PackageGroup:
    """The group ``name`` (global) or ``namespace/name``; Http404 when there is none."""
    namespace, _, name = full_name.rpartition("/")
    group = PackageGroup.objects.filter(namespace=namespace or None, name=name).first()
    if group is None:
        raise Http404(f"Unknown group: {full_name}")
    return group


def name_regex(pattern: str) -> str:
    """``*`` matches anything, every other character itself (case-insensitively)."""
    return ".*".join(re.escape(part) for part in pattern.split("*"))


def visible_groups(user: AbstractBaseUser | AnonymousUser) -> QuerySet[PackageGroup]:
    """Global groups, plus the namespaced groups the user maintains."""
    shown = Q(namespace__isnull=True)
    if user.is_authenticated:
        shown |= Q(maintainers=user)
    return PackageGroup.objects.filter(shown).distinct().order_by("namespace", "name")


def order_terms(keys: dict[str, list[tuple[Any, bool, bool | None]]], order: str) -> list[OrderBy]:
    """The ORDER BY terms for a comma list of keys (``-`` reverses; unknown keys ignored)."""
    terms = []
    for raw in order.split(","):
        key = raw.strip()
        reverse = key.startswith("-")
        for expression, descending, nulls_last in keys.get(key.lstrip("-"), []):
            terms.append(
                OrderBy(expression, descending=descending != reverse, nulls_last=nulls_last)
            )
    return terms


def page_or_404(rows: Sequence[Any] | QuerySet[Any], number: str | None, per_page: int = 0) -> Page:
    """Page ``number`` of ``rows`` (default size ``frontend.packages_per_page``); a page
    that is not a number or out of range is a 404."""
    size = per_page or int(settings.KOSCHEI["frontend"]["packages_per_page"])
    try:
        return Paginator(rows, size).page(number or 1)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404(f"No such page: {number}") from exc


def _packages_in(collection_ids: Iterable[int], filters: ListFilter) -> PackageQuerySet:
    packages = Package.objects.filter(collection_id__in=list(collection_ids), blocked=False)
    if not filters.untracked:
        packages = packages.filter(tracked=True)
    if filters.state:
        packages = packages.filter(state_condition(filters.state))
    return packages


def _restrict_bases(rows: QuerySet[Any], filters: ListFilter, prefix: str) -> QuerySet[Any]:
    if filters.group is not None:
        rows = rows.filter(**{f"{prefix}groups": filters.group})
    if filters.pattern:
        rows = rows.filter(**{f"{prefix}name__iregex": name_regex(filters.pattern)})
    if filters.base_ids is not None:
        rows = rows.filter(**{f"{prefix}id__in": list(filters.base_ids)})
    return rows


def package_listing(
    *,
    collections: list[Collection],
    filters: ListFilter,
    order: str,
    page: str | None,
    user: AbstractBaseUser | AnonymousUser,
) -> Listing:
    """One page of the list for ``collections`` (one: packages; several: unified rows)."""
    groups = Prefetch("base__groups", queryset=visible_groups(user), to_attr="shown_groups")
    if len(collections) == 1:
        order = order or SINGLE_DEFAULT
        packages = _packages_in([collections[0].pk], filters)
        if "current_priority" in order:
            packages = packages.with_priority()
        ids = _restrict_bases(packages, filters, "base__").order_by(
            *order_terms(_SINGLE_KEYS, order), "name", "id"
        )
        listing = Listing(
            page_or_404(ids.values_list("id", flat=True), page), False, collections, order
        )
        rows = (
            Package.objects.filter(id__in=list(listing.page.object_list))
            .with_priority()
            .select_related("last_build", "collection", "base")
            .prefetch_related(groups)
            .in_bulk()
        )
        listing.page.object_list = [rows[pk] for pk in listing.page.object_list]
        return listing
    order = order or UNIFIED_DEFAULT
    cells = _packages_in([c.pk for c in collections], filters)
    mine = cells.filter(base=OuterRef("pk"))
    bases = _restrict_bases(BasePackage.objects.filter(all_blocked=False), filters, "")
    bases = bases.filter(Exists(mine)).prefetch_related(
        Prefetch("packages", queryset=cells.select_related("collection"), to_attr="cells"),
        Prefetch("groups", queryset=visible_groups(user), to_attr="shown_groups"),
    )
    keys = _unified_keys(collections, mine)
    bases = bases.order_by(*order_terms(keys, order), "name", "id")
    listing = Listing(page_or_404(bases, page), True, collections, order)
    listing.page.object_list = [_row(base, collections) for base in listing.page.object_list]
    return listing


def _unified_keys(
    collections: list[Collection], mine: QuerySet[Package]
) -> dict[str, list[tuple[Any, bool, bool | None]]]:
    running = mine.filter(last_build__isnull=False).exclude(
        last_build=F("last_complete_build"), last_complete_build__isnull=False
    )
    failing = mine.filter(Q(last_complete_build_state=BuildState.FAILED) | Q(resolved=False))
    keys: dict[str, list[tuple[Any, bool, bool | None]]] = {
        "name": [(F("name"), False, None)],
        "running": [(Exists(running), True, None)],
        "failing": [(Exists(failing), True, None)],
    }
    for collection in collections:
        cell = mine.filter(collection=collection)
        keys[f"state-{collection.name}"] = [
            (Subquery(cell.values("resolved")[:1]), False, None),
            (Subquery(cell.values("last_complete_build_state")[:1]), True, None),
        ]
    return keys


def _row(base: BasePackage, collections: list[Collection]) -> Row:
    by_collection = {package.collection_id: package for package in base.cells}  # type: ignore[attr-defined]
    return Row(base=base, cells=[by_collection.get(c.pk) for c in collections])
