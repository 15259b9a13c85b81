"""Atom feeds of state changes and failures, per package, group and user.

An entry is a finished build that failed or whose result differs from the package's
previous finished build (ok -> failing and back), or a change of the package's
resolvability.  Feeds follow the page's ``?collection=`` scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.db.models import F, Q, Window
from django.db.models.functions import Lag
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode

from builds.models import Build
from packages.models import BasePackage
from packages.states import BuildState
from packages.views.listing import find_group
from packages.views.scope import read_scope
from resolution.models import ResolutionChange

LIMIT = 50
VERBS: dict[int, str] = {BuildState.FAILED: "failed to build", BuildState.COMPLETE: "builds again"}


@dataclass(frozen=True)
class Item:
    title: str
    description: str
    link: str
    time: datetime
    guid: str


def _package_link(name: str, collection: str) -> str:
    return f"{reverse('package_detail', args=[name])}?{urlencode({'collection': collection})}"


def state_items(bases: Any, collection_ids: list[int]) -> list[Item]:
    """The newest state changes and failures of these base packages' packages."""
    finished = (
        Build.objects.filter(
            package__base__in=bases,
            package__collection_id__in=collection_ids,
            state__in=[BuildState.COMPLETE, BuildState.FAILED],
        )
        .annotate(
            previous=Window(
                Lag("state"), partition_by=[F("package_id")], order_by=[F("started"), F("id")]
            )
        )
        .select_related("package__collection")
    )
    builds = [
        b
        for b in finished.order_by("-started", "-id")[: LIMIT * 4]
        if b.state == BuildState.FAILED or b.previous not in (None, b.state)  # type: ignore[attr-defined]
    ][:LIMIT]
    items = [
        Item(
            title=f"{b.package.name} {VERBS[b.state]} in {b.package.collection.display_name}",
            description=f"Koji task {b.task_id}: {b.state_string}"
            + (f", version {b.version}-{b.release}" if b.version else ""),
            link=reverse("build_detail", args=[b.pk]),
            time=b.finished or b.started,
            guid=f"build-{b.pk}",
        )
        for b in builds
    ]
    changes = (
        ResolutionChange.objects.filter(
            package__base__in=bases, package__collection_id__in=collection_ids
        )
        .select_related("package__collection")
        .prefetch_related("problems")
        .order_by("-timestamp", "-id")[:LIMIT]
    )
    for c in changes:
        verb = "can be built again" if c.resolved else "has unresolvable build dependencies"
        problems = "; ".join(p.problem for p in c.problems.all())
        items.append(
            Item(
                title=f"{c.package.name} {verb} in {c.package.collection.display_name}",
                description=problems or "Its build dependencies resolve.",
                link=_package_link(c.package.name, c.package.collection.name),
                time=c.timestamp,
                guid=f"resolution-{c.pk}",
            )
        )
    items.sort(key=lambda item: item.time, reverse=True)
    return items[:LIMIT]


class StateFeed(Feed):
    """Common parts: Atom, the scope's collections, items from :func:`state_items`."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        scope = read_scope(request)
        if scope is None:
            raise Http404("No collections are set up yet")
        self.collection_ids = [c.pk for c in scope.current]
        return self.subject(*args, **kwargs)

    def subject(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def bases(self, obj: Any) -> Any:
        raise NotImplementedError

    def items(self, obj: Any) -> list[Item]:
        return state_items(self.bases(obj), self.collection_ids)

    def item_title(self, item: Item) -> str:
        return item.title

    def item_description(self, item: Item) -> str:
        return item.description

    def item_link(self, item: Item) -> str:
        return item.link

    def item_pubdate(self, item: Item) -> datetime:
        return item.time

    def item_updateddate(self, item: Item) -> datetime:
        return item.time

    def item_guid(self, item: Item) -> str:
        return item.guid

    item_guid_is_permalink = False


class PackageFeed(StateFeed):
    def subject(self, name: str) -> BasePackage:
        base = BasePackage.objects.filter(name=name).first()
        if base is None:
            raise Http404(f"Unknown package: {name}")
        return base

    def bases(self, obj: BasePackage) -> Any:
        return BasePackage.objects.filter(pk=obj.pk)

    def title(self, obj: BasePackage) -> str:
        return f"Koschei: {obj.name}"

    def link(self, obj: BasePackage) -> str:
        return reverse("package_detail", args=[obj.name])

    def description(self, obj: BasePackage) -> str:
        return f"Build state changes and failures of {obj.name}"


class GroupFeed(StateFeed):
    def subject(self, full_name: str) -> Any:
        return find_group(full_name)

    def bases(self, obj: Any) -> Any:
        return obj.members.all()

    def title(self, obj: Any) -> str:
        return f"Koschei: group {obj.full_name}"

    def link(self, obj: Any) -> str:
        return reverse("group_detail", args=[obj.full_name])

    def description(self, obj: Any) -> str:
        return f"Build state changes and failures of the packages of {obj.full_name}"


class UserFeed(StateFeed):
    def subject(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise Http404(f"Unknown user: {username}")
        return user

    def bases(self, obj: Any) -> Any:
        return BasePackage.objects.filter(Q(groups__maintainers=obj)).distinct()

    def title(self, obj: Any) -> str:
        return f"Koschei: packages of {obj.get_username()}"

    def link(self, obj: Any) -> str:
        return reverse("user_packages", args=[obj.get_username()])

    def description(self, obj: Any) -> str:
        return f"Build state changes and failures of the packages {obj.get_username()} maintains"
