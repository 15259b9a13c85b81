"""The admin shows noise control read-only: snoozes, backoff, infrastructure failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from builds.models import Build
from packages.models import Package, PackageGroup
from packages.states import BuildState
from tests.factories import make_build, make_group, make_package

pytestmark = pytest.mark.django_db

UNTIL = datetime(datetime.now(UTC).year + 1, 3, 1, tzinfo=UTC)


@pytest.fixture
def operator_client(client, staff_user):
    client.force_login(staff_user)
    return client


def url(model: type, view: str, *args: object) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def test_package_pages_show_snooze_and_backoff_read_only(operator_client, collection):
    foo = make_package("foo", collection, tracked=True, resolved=True)
    make_build(foo, BuildState.FAILED, hours_ago=2)
    backoff = UNTIL - timedelta(days=30)
    Package.objects.filter(pk=foo.pk).update(snoozed_until=UNTIL, backoff_until=backoff)
    response = operator_client.get(url(Package, "change", foo.pk))
    assert not {"snoozed_until", "backoff_until"} & set(response.context["adminform"].form.fields)
    text = response.content.decode()
    assert "Snoozed until" in text and "Backoff until" in text
    assert f"failing, snoozed until {UNTIL:%Y-%m-%d} 00:00 UTC" in text
    listing = operator_client.get(url(Package, "changelist")).content.decode()
    assert f"failing, snoozed until {UNTIL:%Y-%m-%d} 00:00 UTC" in listing


def test_package_list_shows_a_group_snooze_without_a_query_per_package(
    operator_client, collection, django_assert_max_num_queries
):
    for i in range(30):
        make_package(f"pkg{i}", collection, tracked=True)
    make_group("tools", members=tuple(f"pkg{i}" for i in range(30)))
    PackageGroup.objects.update(snoozed_until=UNTIL)
    with django_assert_max_num_queries(12):
        listing = operator_client.get(url(Package, "changelist")).content.decode()
    assert listing.count(f"unknown, snoozed until {UNTIL:%Y-%m-%d} 00:00 UTC") == 30


def test_group_page_shows_its_snooze_read_only(operator_client, collection):
    group = make_group("tools")
    PackageGroup.objects.filter(pk=group.pk).update(snoozed_until=UNTIL)
    response = operator_client.get(url(PackageGroup, "change", group.pk))
    assert "snoozed_until" not in response.context["adminform"].form.fields
    assert "Snoozed until" in response.content.decode()
    listing = operator_client.get(url(PackageGroup, "changelist")).content.decode()
    assert "Snoozed until" in listing


def test_build_pages_show_infrastructure_failures(operator_client, collection):
    foo = make_package("foo", collection, tracked=True)
    ok = make_build(foo, BuildState.FAILED, hours_ago=3)
    infra = make_build(
        foo, BuildState.FAILED, hours_ago=1, infra_failure="LockError: Unable to obtain lock"
    )
    text = operator_client.get(url(Build, "change", infra.pk)).content.decode()
    assert "Infra failure" in text and "LockError: Unable to obtain lock" in text
    response = operator_client.get(url(Build, "changelist"), {"infra": "yes"})
    assert [b.pk for b in response.context["cl"].result_list] == [infra.pk]
    response = operator_client.get(url(Build, "changelist"), {"infra": "no"})
    assert [b.pk for b in response.context["cl"].result_list] == [ok.pk]
    # The infrastructure failure is not the package's last build (the triggers pass over it).
    assert Package.objects.get(pk=foo.pk).last_build_id == ok.pk
