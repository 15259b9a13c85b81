"""What packagers and operators do, in a real browser: log in through the provider,
create and edit a group, browse list -> package -> build, cancel a build as staff."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from packages.states import BuildState
from tests.factories import make_build, make_collection, make_package, make_task, reload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def distribution(transactional_db):
    f43 = make_collection("f43", latest_repo_id=7, latest_repo_resolved=True)
    bash = make_package("bash", f43, tracked=True, resolved=True)
    build = make_build(bash, hours_ago=30, version="5.2.32", release="1.fc43", deps_resolved=True)
    make_task(build, arch="x86_64")
    make_build(bash, state=BuildState.FAILED, hours_ago=20, version="5.2.32", release="1.fc43")
    running = make_build(bash, state=BuildState.RUNNING, hours_ago=1)
    zsh = make_package("zsh", f43, tracked=True, resolved=True)
    make_build(zsh, state=BuildState.FAILED, hours_ago=3)
    make_package("tcsh", f43, tracked=True, resolved=False)
    return running


def log_in(page, live_server, next_path="/groups"):
    page.goto(f"{live_server.url}{next_path}")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("alice-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    expect(page.locator(".account .user")).to_have_text("alice")


def test_a_maintainer_logs_in_and_keeps_a_group(
    page, live_server, login_configured, distribution, shoot
):
    log_in(page, live_server)
    expect(page.get_by_text('New user "alice" was registered.')).to_be_visible()
    page.get_by_role("link", name="New group").click()
    page.locator("input[name=name]").fill("shells")
    page.locator("textarea[name=packages]").fill("bash\nzsh")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Group created")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/groups/alice/shells$"))
    expect(page.locator("table.packages")).to_contain_text("zsh")
    page.get_by_role("link", name="Edit this group").click()
    page.locator("textarea[name=packages]").fill("bash tcsh")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Group modified")).to_be_visible()
    expect(page.locator("table.packages")).not_to_contain_text("zsh")
    shoot("group")


def test_browsing_from_the_list_to_a_package_and_its_build(page, live_server, distribution, shoot):
    page.goto(f"{live_server.url}/packages")
    rows = page.locator("table.packages tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("bash")  # running first
    shoot("package-list")
    page.get_by_role("link", name="bash", exact=True).first.click()
    expect(page.locator("h1")).to_contain_text("bash")
    expect(page.get_by_text("5.2.32-1.fc43").first).to_be_visible()
    why = page.locator("#why")
    expect(why.get_by_role("heading")).to_have_text("Why and when will this build?")
    expect(why.locator(".verdict")).to_contain_text("Held back by: not schedulable")
    expect(why).to_contain_text("Package has a running build")
    expect(page.locator("figure.plot canvas").first).to_be_visible()  # drawn by uPlot
    shoot("package")
    page.get_by_role("link", name="details").last.click()
    expect(page.locator("h1")).to_contain_text("Scratch build of")
    expect(page.get_by_role("link", name="build.log")).to_be_visible()
    shoot("build")
    for path, name in [("/collections", "collections"), ("/groups", "groups"), ("/stats", "stats"),
                       ("/documentation", "documentation")]:  # fmt: skip
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        shoot(name)


def test_staff_cancel_a_running_build(page, live_server, login_configured, distribution, shoot):
    log_in(page, live_server)
    get_user_model().objects.filter(username="alice").update(is_staff=True)
    page.goto(f"{live_server.url}/build/{distribution.pk}")
    page.get_by_role("button", name="Cancel this build").click()
    expect(page.get_by_text("Cancelation request sent.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/package/bash\?collection=f43$"))
    assert reload(distribution).cancel_requested
    page.goto(f"{live_server.url}/operator")
    expect(page.locator("h1")).to_have_text("Service health")
    shoot("operator")
