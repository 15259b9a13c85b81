"""What a Koji message makes Koschei do: the task it enqueues at once (polling is the net).

Task names are dotted strings (``builds`` must not import ``resolution``); the consumer runs
outside any transaction, so it enqueues directly.  Every message is acknowledged whatever
happens here: a malformed, unknown or duplicate one is logged and dropped, and a failure to
enqueue (database down) is logged too, since the periodic tasks catch up anyway.
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django_q.tasks import async_task

from builds.messaging.events import (
    Event,
    Ignored,
    MalformedMessage,
    RepoDone,
    TagChanged,
    TaskStateChanged,
    parse_event,
)
from builds.models import Build
from packages.models import Collection

log = logging.getLogger(__name__)

SYNC_BUILD = "builds.tasks.sync_build"
REFRESH_REAL_BUILDS = "builds.tasks.refresh_real_builds"
CHECK_NEW_REPOS = "resolution.tasks.check_new_repos"
REFRESH_REPO_MAPPINGS = "builds.tasks.refresh_repo_mappings"


@dataclass(frozen=True)
class Enqueue:
    """One django-q2 task to enqueue: its dotted name and id arguments."""

    func: str
    args: tuple[int | str, ...] = ()


@dataclass
class Outcome:
    """What handling one message did: ``enqueued``, ``ignored``, ``duplicate`` or ``malformed``."""

    kind: str
    detail: str
    actions: list[Enqueue] = field(default_factory=list)


def actions_for(event: Event) -> list[Enqueue]:
    """The tasks an event calls for; none when no collection or build of ours is concerned."""
    if isinstance(event, TaskStateChanged):
        if Build.objects.filter(task_id=event.task_id).exists():
            return [Enqueue(SYNC_BUILD, (event.task_id,))]
        return []
    if isinstance(event, TagChanged):
        # one package's latest build, as upstream's watcher reads it: a full refresh per
        # message queued fifty refreshes of 30k packages ahead of a repo check
        # (bench/scheduler --latency)
        ids = Collection.objects.filter(dest_tag=event.tag).order_by("pk").values_list("pk")
        named = (event.name,) if event.name else ()
        return [Enqueue(REFRESH_REAL_BUILDS, (pk, *named)) for (pk,) in ids]
    if isinstance(event, RepoDone):
        # a primary repo is new repos to resolve in primary mode; in secondary mode (whose
        # repos come from the secondary) it may be the repo a mapping waits for
        modes = dict(
            Collection.objects.filter(build_tag=event.tag)
            .order_by("pk")
            .values_list("pk", "secondary_mode")
        )
        actions = [Enqueue(CHECK_NEW_REPOS)] if not all(modes.values()) else []
        return actions + [Enqueue(REFRESH_REPO_MAPPINGS, (pk,)) for pk, s in modes.items() if s]
    raise TypeError(f"not an event: {event!r}")


class RecentIds:
    """The last ``size`` message ids seen, to drop redeliveries and duplicates (bounded)."""

    def __init__(self, size: int = 10000) -> None:
        self.size = size
        self._ids: collections.OrderedDict[str, None] = collections.OrderedDict()

    def seen(self, message_id: str) -> bool:
        """Whether the id was seen before; remembers it either way."""
        if message_id in self._ids:
            self._ids.move_to_end(message_id)
            return True
        self._ids[message_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False


class MessageHandler:
    """Turns one decoded message into enqueued tasks; never raises for a message's content."""

    def __init__(self, *, recent: RecentIds | None = None) -> None:
        self.recent = recent or RecentIds()

    def handle(self, message_id: str | None, topic: str, body: Any) -> Outcome:
        """Handle a message (``message_id`` None: a message fedora-messaging could not read)."""
        outcome = self._outcome(message_id, topic, body)
        level = logging.DEBUG if outcome.kind == "ignored" else logging.INFO
        if outcome.kind == "malformed":
            level = logging.WARNING
        log.log(level, "message %s %s: %s %s", message_id, topic, outcome.kind, outcome.detail)
        return outcome

    def _outcome(self, message_id: str | None, topic: str, body: Any) -> Outcome:
        if message_id is None:
            return Outcome("malformed", "undecodable body")
        if self.recent.seen(message_id):
            return Outcome("duplicate", "already handled")
        config = settings.KOSCHEI["fedmsg"]
        try:
            event = parse_event(topic, body, prefix=config["topic"], instance=config["instance"])
        except MalformedMessage as exc:
            return Outcome("malformed", str(exc))
        if isinstance(event, Ignored):
            return Outcome("ignored", event.reason)
        actions = actions_for(event)
        if not actions:
            return Outcome("ignored", f"{event} concerns no collection or build of ours")
        for action in actions:
            async_task(action.func, *action.args)
        done = ", ".join(f"{a.func}{a.args}" for a in actions)
        return Outcome("enqueued", f"{event}: {done}", actions)
