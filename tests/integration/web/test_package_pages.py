"""The public package pages: scope, package list (one and several collections), search,
package detail with its history, collections and groups (spec 2.2)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.test.utils import CaptureQueriesContext

from packages.models import AdminNotice, CollectionGroup, Package
from packages.states import BuildState, KojiTaskState, PackageState
from packages.templatetags.koschei import ICON_ALIASES
from resolution.models import BuildrootProblem, UnappliedChange
from tests.factories import (
    make_build,
    make_collection,
    make_dependency,
    make_group,
    make_package,
    make_resolution_change,
)

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    """Package names of the list's rows, in order."""
    body = response.content.decode()
    table = body[body.index('<table class="packages">') : body.index("</table>")]
    return re.findall(r'href="/package/([^"?]+)', table)


@pytest.fixture
def f43(db):
    return make_collection("f43", order=200)


@pytest.fixture
def packages(collection):
    """f42: ok, failing (running again), unresolved, untracked, blocked and a never built one."""
    ok = make_package("bash", collection, tracked=True, resolved=True)
    make_build(ok, hours_ago=10)
    failing = make_package("zsh", collection, tracked=True, resolved=True)
    make_build(failing, state=BuildState.FAILED, hours_ago=5)
    make_build(failing, state=BuildState.RUNNING, hours_ago=1)
    make_package("gawk", collection, tracked=True, resolved=False)
    make_package("sed", collection, tracked=False)
    make_package("nano", collection, tracked=True, blocked=True)
    make_package("cpio", collection, tracked=True)
    return collection


def test_no_collections_is_a_clear_503(client, db):
    response = client.get("/packages")
    assert response.status_code == 503
    assert b"create-collection" in response.content


@pytest.mark.parametrize(
    "url", ["/", "/packages", "/search?q=a", "/collections", "/groups", "/package/bash"]
)
def test_an_unknown_collection_is_404_on_every_page(client, packages, url):
    sep = "&" if "?" in url else "?"
    assert client.get(f"{url}{sep}collection=f99").status_code == 404


def test_one_collection_lists_tracked_unblocked_packages_running_then_by_state(client, packages):
    response = client.get("/packages?collection=f42")
    assert response.status_code == 200
    # running first, never built last; then resolved ASC (unresolved first), last build
    # state DESC; then name
    assert names(response) == ["zsh", "bash", "gawk", "cpio"]
    assert names(client.get("/packages?collection=f42&untracked=1")) == [
        "zsh",
        "bash",
        "gawk",
        "cpio",
        "sed",
    ]
    assert names(client.get("/packages?collection=f42&order_by=name")) == [
        "bash",
        "cpio",
        "gawk",
        "zsh",
    ]
    assert names(client.get("/packages?collection=f42&order_by=-name,bogus")) == [
        "zsh",
        "gawk",
        "cpio",
        "bash",
    ]


def test_the_state_filter_matches_the_state_shown(client, packages):
    assert names(client.get("/packages?collection=f42&state=unresolved")) == ["gawk"]
    assert names(client.get("/packages?collection=f42&state=unknown")) == ["cpio"]
    assert names(client.get("/packages?collection=f42&state=ok")) == ["bash"]
    assert client.get("/packages?collection=f42&state=bogus").status_code == 404


def test_pages_of_the_list_and_an_out_of_range_page(client, packages, settings):
    settings.KOSCHEI = {
        **settings.KOSCHEI,
        "frontend": {**settings.KOSCHEI["frontend"], "packages_per_page": 3},
    }
    first = client.get("/packages?collection=f42&order_by=name")
    second = client.get("/packages?collection=f42&order_by=name&page=2")
    assert names(first) + names(second) == ["bash", "cpio", "gawk", "zsh"]
    assert b"Page 1 of 2" in first.content
    assert client.get("/packages?collection=f42&page=3").status_code == 404
    assert client.get("/packages?collection=f42&page=x").status_code == 404


def test_several_collections_give_one_row_per_base_package(client, packages, f43):
    bash = make_package("bash", f43, tracked=True, resolved=True)
    make_build(bash, state=BuildState.FAILED)
    make_package("only43", f43, tracked=True)
    response = client.get("/packages")
    assert response.status_code == 200
    # running, then failing anywhere, then name; a row per base package tracked somewhere
    assert names(response)[:3] == ["zsh", "zsh", "bash"]
    rows = list(dict.fromkeys(names(response)))
    assert rows == ["zsh", "bash", "gawk", "cpio", "only43"]
    assert b"Fedora f43" in response.content and b"Fedora f42" in response.content


def test_search_filters_by_name_pattern_and_an_empty_query_goes_home(client, packages):
    assert client.get("/search?q=%20").url == "/"
    assert names(client.get("/search?q=sh&collection=f42")) == ["zsh", "bash"]
    assert names(client.get("/search?q=b*h&collection=f42")) == ["bash"]
    assert names(client.get("/search?q=%25&collection=f42")) == []  # no SQL wildcard


def test_the_front_page_is_the_package_list(client, packages):
    assert names(client.get("/?collection=f42")) == ["zsh", "bash", "gawk", "cpio"]


def test_package_detail_shows_state_history_and_pending_changes(client, packages, settings):
    bash = packages.packages.get(name="bash")
    problems = ("nothing provides <b>x</b>",)
    make_resolution_change(bash, resolved=False, days_ago=1, problems=problems)
    UnappliedChange.objects.create(
        package=bash,
        prev_dep=make_dependency("glibc", "2.40"),
        curr_dep=make_dependency("glibc", "2.41"),
        distance=2,
    )
    response = client.get("/package/bash")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dependency changes since the last build" in body and "2.41" in body
    assert "nothing provides &lt;b&gt;x&lt;/b&gt;" in body  # escaped
    assert "Dependencies became unresolvable" in body and "Scratch build" in body
    assert client.get("/package/bash?last_seen_ts=yesterday").status_code == 400
    assert client.get("/package/nothere").status_code == 404


def test_history_pages_with_previous_history(client, collection, settings):
    settings.KOSCHEI = {
        **settings.KOSCHEI,
        "frontend": {**settings.KOSCHEI["frontend"], "builds_per_page": 2},
    }
    package = make_package("bash", collection, tracked=True)
    builds = [make_build(package, hours_ago=hours) for hours in (30, 20, 10)]
    body = client.get("/package/bash").content.decode()
    assert f"task {builds[2].task_id}" in body and f"task {builds[1].task_id}" in body
    assert f"task {builds[0].task_id}" not in body
    link = re.search(r'href="\?last_seen_ts=(\d+)"', body)
    assert link is not None
    older = client.get(f"/package/bash?last_seen_ts={link.group(1)}").content.decode()
    assert f"task {builds[0].task_id}" in older and f"task {builds[2].task_id}" not in older


def test_package_detail_prefers_the_named_collection(client, packages, f43):
    make_package("bash", f43, tracked=True)
    assert b"in Fedora f43" in client.get("/package/bash").content  # highest order first
    assert b"in Fedora f42" in client.get("/package/bash?collection=f42").content


def test_collections_are_grouped_and_detailed(client, packages, f43):
    group = CollectionGroup.objects.create(name="fedora", display_name="Fedora")
    group.collections.add(f43)
    body = client.get("/collections").content.decode()
    assert body.index("Fedora f43") < body.index("Uncategorized") < body.index("Fedora f42")
    assert client.get("/collection/f42").status_code == 200
    assert client.get("/collection/f99").status_code == 404


def test_groups_pages_show_global_and_my_groups(client, packages, plain_user):
    make_group("shells", members=("bash", "zsh"))
    make_group("packager/mine", members=("gawk",), maintainers=("packager",))
    make_group("other/hidden", members=("bash",), maintainers=("someone",))
    body = client.get("/groups").content.decode()
    assert "shells" in body and "packager/mine" not in body
    client.force_login(plain_user)
    body = client.get("/groups").content.decode()
    assert "packager/mine" in body and "other/hidden" not in body
    detail = client.get("/groups/shells?collection=f42")
    assert names(detail) == ["zsh", "bash"]
    assert names(client.get("/groups/packager/mine?collection=f42")) == ["gawk"]
    assert client.get("/groups/nope").status_code == 404
    assert names(client.get("/packages?collection=f42&group=shells")) == ["zsh", "bash"]


def test_every_page_shows_the_notice_and_broken_buildroots(client, packages):
    AdminNotice.objects.create(key=AdminNotice.GLOBAL, content="<b>Koji outage</b> tonight")
    packages.latest_repo_id, packages.latest_repo_resolved = 7, False
    packages.save()
    BuildrootProblem.objects.create(collection=packages, problem="nothing provides <gcc>")
    for url in ("/packages", "/collections", "/groups", "/package/bash"):
        body = client.get(url).content.decode()
        assert "<b>Koji outage</b> tonight" in body, url  # operators' HTML
        assert "Base buildroot for Fedora f42 is not installable" in body, url
        assert "nothing provides &lt;gcc&gt;" in body, url


def test_hostile_names_are_escaped(client, collection):
    make_package("<script>alert(1)</script>", collection, tracked=True)
    body = client.get("/packages").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
    assert client.get("/package/<script>alert(1)</script>").status_code == 200


def test_every_state_has_an_icon():
    images = Path(__file__).resolve().parents[3] / "static" / "images" / "state"
    states = [*PackageState.values, *BuildState.labels, *KojiTaskState.labels, "running"]
    missing = [s for s in states if not (images / f"{ICON_ALIASES.get(s, s)}.svg").exists()]
    assert missing == [], missing


def test_badges_redirect_to_the_picture_of_the_state(client, packages):
    response = client.get("/badge/f42/zsh.svg")
    assert response.status_code == 302 and response.url.endswith("images/badges/failing.svg")
    assert client.get("/badge/f42/bash.png").url.endswith("images/badges/ok.png")
    assert client.get("/badge/f42/nothere.svg").status_code == 404
    assert client.get("/badge/f99/bash.svg").status_code == 404
    assert client.get("/badge/f42/bash.gif").status_code == 404
    images = Path(__file__).resolve().parents[3] / "static" / "images" / "badges"
    for state in PackageState.values:
        assert (images / f"{state}.svg").exists() and (images / f"{state}.png").exists(), state


def test_the_bug_report_link_fills_in_the_form_from_the_last_complete_build(client, packages):
    packages.bugzilla_product, packages.bugzilla_version = "Fedora", "42"
    packages.save()
    response = client.get("/bugreport/bash")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.url).query)
    assert query["product"] == ["Fedora"] and query["component"] == ["bash"]
    assert query["short_desc"] == ["bash: FTBFS in Fedora f42"]
    assert query["comment"][0].startswith("Description of problem:\nPackage bash fails")
    assert "1.0-1.fc42" in query["comment"][0]
    assert query["bug_file_loc"] == ["http://testserver/package/bash"]
    assert client.get("/bugreport/cpio").status_code == 404  # never built
    assert client.get("/bugreport/nano").status_code == 404  # blocked
    assert "File new FTBFS bug" in client.get("/package/bash").content.decode()


def test_the_documentation_explains_states_and_badges(client, collection):
    body = client.get("/documentation").content.decode()
    assert "unresolved" in body and "/badge/COLLECTION/PACKAGE.svg" in body


@pytest.mark.parametrize(
    "url", ["/search?q=a%00b", "/package/ba%00sh", "/packages?collection=f42%00", "/groups/x%00"]
)
def test_a_nul_character_is_a_bad_request_not_a_server_error(client, packages, url):
    assert client.get(url).status_code == 400


def test_a_posted_nul_character_is_a_bad_request(client, packages, staff_user):
    client.force_login(staff_user)
    assert client.post("/build/1/cancel", {"note": "a\x00b"}).status_code == 400


def test_the_state_order_read_from_the_package_row_is_the_last_builds_own(client, collection):
    """The list sorts by state without joining build; it must agree with the join."""
    histories = {
        "a-ok": [BuildState.COMPLETE],
        "b-failed": [BuildState.FAILED],
        "c-ok-then-running": [BuildState.COMPLETE, BuildState.RUNNING],
        "d-failed-then-running": [BuildState.FAILED, BuildState.RUNNING],
        "e-only-running": [BuildState.RUNNING],
        "f-never": [],
        "g-failed-then-ok": [BuildState.FAILED, BuildState.COMPLETE],
    }
    for resolved in (True, False, None):
        for name, states in histories.items():
            package = make_package(f"{name}-{resolved}", collection, tracked=True)
            package.resolved = resolved
            package.save(update_fields=["resolved"])
            for age, state in zip(range(len(states) * 10, 0, -10), states, strict=True):
                make_build(package, state=state, hours_ago=age)
    joined = Package.objects.filter(collection=collection).order_by(
        ExpressionWrapper(Q(last_build=F("last_complete_build")), BooleanField()).asc(),
        F("resolved").asc(),
        F("last_build__state").desc(),
        "name",
    )
    expected = [p.name for p in joined]
    for order, reverse in (("", False), ("-state,-running", True)):
        shown = names(client.get(f"/packages?collection=f42&order_by={order}"))
        assert shown == (expected if not reverse else _reversed_keys(joined))


def _reversed_keys(joined) -> list[str]:
    return [
        p.name
        for p in joined.order_by(
            F("resolved").desc(),
            F("last_build__state").asc(),
            ExpressionWrapper(Q(last_build=F("last_complete_build")), BooleanField()).desc(),
            "name",
        )
    ]


def test_the_default_order_is_served_by_its_index(collection):
    """The index's expressions are the list's own: a drift would silently sort 30k rows."""
    from packages.views.listing import ListFilter, package_listing

    for i in range(5):
        make_package(f"p{i}", collection, tracked=True)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        with CaptureQueriesContext(connection) as queries:
            package_listing(
                collections=[collection],
                filters=ListFilter(),
                order="",
                page="1",
                user=AnonymousUser(),
            )
        ordered = next(q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"])
        cursor.execute("EXPLAIN " + ordered)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ix_package_list_default" in plan, plan
