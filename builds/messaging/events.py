"""Koji bus messages parsed into the events Koschei acts on: pure, no database, no broker.

Koji's fedora-messaging plugin sends ``<prefix>.task.state.change``, ``<prefix>.tag``,
``<prefix>.untag`` and ``<prefix>.repo.done`` (prefix ``fedmsg.topic``); each body names the
Koji ``instance`` it came from, and only ``fedmsg.instance`` is listened to (spec 2.1.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class MalformedMessage(ValueError):
    """A message on a handled topic whose body lacks a field or has one of the wrong type."""


@dataclass(frozen=True)
class TaskStateChanged:
    """A top-level scratch-build task of Koji changed state (Koji sends no others)."""

    task_id: int
    new: str


@dataclass(frozen=True)
class TagChanged:
    """A build was tagged into or untagged from ``tag``; ``name`` is its package's name
    (None when the message has none)."""

    tag: str
    nvr: str
    untagged: bool
    name: str | None = None


@dataclass(frozen=True)
class RepoDone:
    """Koji finished a new repo of the build tag ``tag``."""

    tag: str
    repo_id: int | None


@dataclass(frozen=True)
class Ignored:
    """A message Koschei does not act on, and why."""

    reason: str


Event = TaskStateChanged | TagChanged | RepoDone


def parse_event(topic: str, body: Any, *, prefix: str, instance: str) -> Event | Ignored:
    """The event a Koji message announces, or ``Ignored``; raises ``MalformedMessage``."""
    head = prefix.rstrip(".") + "."
    if not topic.startswith(head):
        return Ignored(f"topic {topic} is not under {head}")
    kind = topic[len(head) :]
    parser = _PARSERS.get(kind)
    if parser is None:
        return Ignored(f"topic {kind} is not handled")
    if not isinstance(body, Mapping):
        raise MalformedMessage(f"{kind}: the body is not an object")
    sender = _field(body, "instance", str, kind)
    if sender != instance:
        return Ignored(f"Koji instance {sender!r} is not {instance!r}")
    return parser(body, kind)


def _field(body: Mapping[str, Any], name: str, kind: type, topic: str) -> Any:
    value = body.get(name)
    # bool is an int in Python, never a Koji id
    if not isinstance(value, kind) or isinstance(value, bool) or value == "":
        raise MalformedMessage(f"{topic}: {name} is missing or not a {kind.__name__}")
    return value


def _task(body: Mapping[str, Any], kind: str) -> Event | Ignored:
    attribute = _field(body, "attribute", str, kind)
    if attribute != "state":
        return Ignored(f"task attribute {attribute} is not the state")
    return TaskStateChanged(
        task_id=_field(body, "id", int, kind), new=_field(body, "new", str, kind)
    )


def _tag(body: Mapping[str, Any], kind: str) -> Event:
    nvr = "-".join(str(body.get(part, "?")) for part in ("name", "version", "release"))
    name = body.get("name")
    return TagChanged(
        tag=_field(body, "tag", str, kind),
        nvr=nvr,
        untagged=kind == "untag",
        name=name if isinstance(name, str) and name else None,
    )


def _repo(body: Mapping[str, Any], kind: str) -> Event:
    repo_id = body.get("repo_id")
    if repo_id is not None and (not isinstance(repo_id, int) or isinstance(repo_id, bool)):
        raise MalformedMessage(f"{kind}: repo_id is not an int")
    return RepoDone(tag=_field(body, "tag", str, kind), repo_id=repo_id)


_PARSERS = {
    "task.state.change": _task,
    "tag": _tag,
    "untag": _tag,
    "repo.done": _repo,
}
