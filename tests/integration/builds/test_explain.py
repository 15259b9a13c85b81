""" "Why and when will this build?" never disagrees with the scheduler: the package it calls
next is the one a decision submits, every package it calls held is passed over, for the
reason it gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from builds.services.explain import explain
from builds.services.scheduler import Outcome, schedule_build
from packages.models import Package
from tests.integration.builds import test_scheduler
from tests.integration.builds.test_scheduler import package, prioritise

pytestmark = pytest.mark.django_db
# the scheduler tests' collection and Koji sessions
f42, sessions = test_scheduler.f42, test_scheduler.sessions


def next_of(collection, names):
    """The package among ``names`` that its explanation calls next."""
    found = [n for n in names if explain(package(collection, n)).position == 1]
    assert len(found) <= 1
    return found[0] if found else None


def test_the_package_called_next_is_the_one_the_scheduler_submits(f42, sessions):
    prioritise(f42, foo=1000, bar=2000, make=1500)
    names = ["foo", "bar", "make"]
    for _ in range(3):
        expected = next_of(f42, names)
        decision = schedule_build(sessions=sessions, dry_run=True)
        assert decision.package == f"{expected} (f42)"
        assert schedule_build(sessions=sessions).package == decision.package
    assert next_of(f42, names) is None


def test_the_priority_terms_add_up_to_the_schedulers_priority(f42, sessions):
    prioritise(f42, bar=2000)
    Package.objects.filter(name="bar").update(dependency_priority=128, build_priority=200)
    why = explain(package(f42, "bar"))
    terms = why.priority
    assert terms is not None
    expected = (
        terms.manual
        + terms.static
        + terms.coefficient * (terms.dependency + terms.time + terms.failed)
    )
    assert abs(expected - terms.total) < 0.2
    decision = schedule_build(sessions=sessions, dry_run=True)
    assert abs(decision.priority - terms.total) < 0.2
    assert (terms.dependency, terms.failed) == (128, 200)


def test_a_snoozed_package_is_held_and_passed_over(f42, sessions):
    prioritise(f42, foo=1000, bar=2000)
    Package.objects.filter(name="bar").update(snoozed_until=timezone.now() + timedelta(days=1))
    why = explain(package(f42, "bar"))
    assert [g.name for g in why.holding] == ["snoozed"] and why.position is None
    assert explain(package(f42, "foo")).position == 1
    assert schedule_build(sessions=sessions, dry_run=True).package == "foo (f42)"


def test_below_the_threshold_and_at_max_builds(f42, sessions, settings):
    prioritise(f42, foo=255)
    why = explain(package(f42, "foo"))
    assert [g.name for g in why.holding] == ["threshold"]
    assert schedule_build(sessions=sessions, dry_run=True).outcome is Outcome.NOTHING
    prioritise(f42, foo=1000)
    settings.KOSCHEI["koji_config"]["max_builds"] = 0
    assert [g.name for g in explain(package(f42, "foo")).holding] == ["max running builds"]
    assert schedule_build(sessions=sessions, dry_run=True).outcome is Outcome.MAX_BUILDS


def test_a_passive_instance_is_named(f42, sessions, settings):
    prioritise(f42, foo=1000)
    settings.KOSCHEI["services"]["scheduler"]["enabled"] = False
    assert "passive instance" in [g.name for g in explain(package(f42, "foo")).holding]
    assert schedule_build(sessions=sessions).outcome is Outcome.DISABLED


def test_koji_load_is_asked_as_the_scheduler_asks_it(f42, koji_hub, sessions):
    koji_hub.sim("setHost", "builder-x86-01", {"task_load": 4})
    prioritise(f42, qux=2000, foo=1000)
    Package.objects.filter(name="foo").update(arch_override="aarch64")
    why = explain(package(f42, "qux"), sessions=sessions)
    assert why.koji_checked and [g.name for g in why.holding] == ["koji"]
    decision = schedule_build(sessions=sessions, dry_run=True)
    assert decision.package == "foo (f42)"
    assert decision.skipped[0].reason == why.holding[0].detail
    assert not explain(package(f42, "foo"), sessions=sessions).holding


def test_the_package_page_and_the_api_explain(f42, client, koji_hub):
    prioritise(f42, foo=1000)
    page = client.get("/package/foo?collection=f42").content.decode()
    assert "Why and when will this build?" in page and "Next: the scheduler submits it" in page
    data = client.get("/api/v1/packages/foo/why?collection=f42").json()
    assert data["position"] == 1 and data["priority"]["total"] == 1000
    assert data["verdict"].startswith("next")
    live = client.get("/api/v1/packages/foo/why?collection=f42&koji=1").json()
    assert live["koji_checked"] and not [g for g in live["gates"] if g["holding"]]
    assert client.get("/api/v1/packages/nope/why").status_code == 404
