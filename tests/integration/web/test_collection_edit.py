"""``/collection/<name>/edit``: the authorization matrix (anonymous, user, inactive staff,
staff), the form's validation, CSRF, the audit entry and the link from the collection page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from packages.models import Collection, LogEntry
from tests.factories import make_collection, reload

pytestmark = pytest.mark.django_db
EDIT = "/collection/f42/edit"
FORM = {
    "display_name": "Fedora 42 (Adams)",
    "order": "120",
    "priority_coefficient": "1.5",
    "build_group": "build",
    "poll_untracked": "",  # unchecked
    "bugzilla_product": "Fedora",
    "bugzilla_version": "42",
}


def flashes(response) -> list[str]:
    return re.findall(r'class="notice notice-[a-z]+">([^<]*)', response.content.decode())


def test_anonymous_visitors_are_sent_to_the_login(client, collection):
    assert client.get(EDIT).url.startswith("/login?next=/collection/f42/edit")
    assert client.post(EDIT, FORM).url.startswith("/login")
    assert reload(collection).display_name == "Fedora f42"


def test_users_without_staff_status_are_refused(client, collection, plain_user, staff_user):
    client.force_login(plain_user)
    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT, FORM).status_code == 403
    staff_user.is_active = False
    staff_user.save()
    client.force_login(staff_user)
    assert client.post(EDIT, FORM).status_code in (302, 403)  # an inactive user is no one
    assert reload(collection).display_name == "Fedora f42"
    assert not LogEntry.objects.exists()


def test_staff_edit_the_settings_with_one_audit_entry(client, collection, staff_user):
    client.force_login(staff_user)
    page = client.get(EDIT).content.decode()
    assert 'value="Fedora f42"' in page and "csrfmiddlewaretoken" in page
    assert "f42-build" in page  # Koji's fields are shown, not offered
    response = client.post(EDIT, FORM, follow=True)
    assert response.redirect_chain[-1][0] == "/collection/f42"
    assert flashes(response) == [
        "Collection modified: display_name, order, priority_coefficient, poll_untracked, "
        "bugzilla_product, bugzilla_version"
    ]
    saved = reload(collection)
    assert (saved.display_name, saved.order, saved.priority_coefficient) == (
        "Fedora 42 (Adams)",
        120,
        1.5,
    )
    assert not saved.poll_untracked and saved.bugzilla_version == "42"
    entry = LogEntry.objects.get()
    assert entry.message == "Collection f42 modified" and entry.environment == "frontend"
    assert entry.user == staff_user
    assert flashes(client.post(EDIT, FORM, follow=True)) == ["Nothing changed"]
    assert LogEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("display_name", "", "This field is required."),
        ("priority_coefficient", "lots", "Enter a number."),
        ("priority_coefficient", "nan", "Enter a number."),
        ("order", "99999999999", "Ensure this value is less than or equal to"),
        ("build_group", "two words", "Invalid build_group: &#x27;two words&#x27;"),
    ],
)
def test_bad_values_are_shown_and_change_nothing(
    client, collection, staff_user, field, value, error
):
    client.force_login(staff_user)
    response = client.post(EDIT, {**FORM, field: value})
    assert response.status_code == 200
    assert error in "".join(
        re.findall(r'class="notice notice-error">(.*?)</', response.content.decode(), re.S)
    )
    assert reload(collection).display_name == "Fedora f42"
    assert not LogEntry.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(collection, staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post(EDIT, FORM).status_code == 403
    assert reload(collection).display_name == "Fedora f42"


def test_an_unknown_collection_is_404(client, collection, staff_user):
    client.force_login(staff_user)
    assert client.get("/collection/f99/edit").status_code == 404


def test_the_collection_page_links_the_edit_page_for_staff_only(
    client, collection, plain_user, staff_user
):
    assert EDIT not in client.get("/collection/f42").content.decode()
    client.force_login(plain_user)
    assert EDIT not in client.get("/collection/f42").content.decode()
    client.force_login(staff_user)
    body = client.get("/collection/f42").content.decode()
    assert f'href="{EDIT}"' in body
    assert f'href="/admin/packages/collection/{collection.pk}/change/"' in body


def test_a_hostile_display_name_is_escaped(client, staff_user, db):
    make_collection("f42", display_name="<script>alert(1)</script>")
    client.force_login(staff_user)
    body = client.get(EDIT).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    assert Collection.objects.count() == 1
