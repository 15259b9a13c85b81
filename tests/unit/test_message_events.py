"""Koji bus messages parsed into events: topics, instances, malformed bodies, the id window."""

from __future__ import annotations

import pytest

from builds.messaging.consumer import RecentIds
from builds.messaging.events import (
    Ignored,
    MalformedMessage,
    RepoDone,
    TagChanged,
    TaskStateChanged,
    parse_event,
)

PREFIX = "org.fedoraproject.prod.buildsys"


def parse(kind, body, instance="primary"):
    return parse_event(f"{PREFIX}.{kind}", body, prefix=PREFIX, instance=instance)


TASK = {"instance": "primary", "attribute": "state", "id": 42, "old": "OPEN", "new": "CLOSED"}
TAG = {"instance": "primary", "tag": "f42", "name": "foo", "version": "1", "release": "2"}


@pytest.mark.parametrize(
    ("kind", "body", "event"),
    [
        ("task.state.change", TASK, TaskStateChanged(task_id=42, new="CLOSED")),
        ("tag", TAG, TagChanged(tag="f42", nvr="foo-1-2", untagged=False, name="foo")),
        ("untag", TAG, TagChanged(tag="f42", nvr="foo-1-2", untagged=True, name="foo")),
        ("tag", {**TAG, "name": ""}, TagChanged(tag="f42", nvr="-1-2", untagged=False)),
        (
            "repo.done",
            {"instance": "primary", "tag": "f42-build", "repo_id": 7},
            RepoDone(tag="f42-build", repo_id=7),
        ),
        ("repo.done", {"instance": "primary", "tag": "f42-build"}, RepoDone("f42-build", None)),
    ],
)
def test_handled_topics_become_events(kind, body, event):
    assert parse(kind, body) == event


@pytest.mark.parametrize(
    ("topic", "body"),
    [
        ("org.fedoraproject.prod.copr.build.end", {}),
        (f"{PREFIX}.repo.init", {"instance": "primary", "tag": "f42-build"}),
        (f"{PREFIX}.package.list.change", {"instance": "primary"}),
        (f"{PREFIX}.task.state.change", {**TASK, "attribute": "weight"}),
        (f"{PREFIX}.tag", {**TAG, "instance": "secondary"}),
    ],
)
def test_other_topics_instances_and_attributes_are_ignored(topic, body):
    assert isinstance(parse_event(topic, body, prefix=PREFIX, instance="primary"), Ignored)


def test_the_prefix_may_be_given_with_a_trailing_dot():
    assert parse_event(f"{PREFIX}.tag", TAG, prefix=PREFIX + ".", instance="primary") == (
        TagChanged("f42", "foo-1-2", False, "foo")
    )


def test_the_configured_instance_is_the_one_listened_to():
    assert parse("tag", {**TAG, "instance": "s390"}, instance="s390") == TagChanged(
        "f42", "foo-1-2", False, "foo"
    )


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("tag", ["not", "an", "object"]),
        ("tag", None),
        ("tag", {"tag": "f42"}),  # no instance
        ("tag", {"instance": "primary"}),
        ("tag", {"instance": "primary", "tag": ""}),
        ("untag", {"instance": "primary", "tag": 3}),
        ("task.state.change", {**TASK, "id": "42"}),
        ("task.state.change", {**TASK, "id": True}),
        ("task.state.change", {k: v for k, v in TASK.items() if k != "new"}),
        ("task.state.change", {k: v for k, v in TASK.items() if k != "attribute"}),
        ("repo.done", {"instance": "primary", "tag": "f42-build", "repo_id": "7"}),
        ("repo.done", {"instance": "primary", "repo_id": 7}),
    ],
)
def test_malformed_bodies_raise(kind, body):
    with pytest.raises(MalformedMessage):
        parse(kind, body)


def test_recent_ids_forget_the_oldest_beyond_their_size():
    recent = RecentIds(size=2)
    assert [recent.seen(i) for i in ("a", "b", "a", "c")] == [False, False, True, False]
    assert recent.seen("a")  # kept: seen again just before c came
    assert not recent.seen("b")  # forgotten
