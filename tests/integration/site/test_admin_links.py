"""The admin's cross-links: related objects link to their admin pages, every object with
audit entries links to them, install sets and chunks read as package names."""

from __future__ import annotations

import re

import pytest

from builds.dependency_keys import encode_keys
from builds.models import Build
from packages.models import LogEntry
from packages.states import BuildState, LogEnvironment
from resolution.models import PackageResolution, ResolutionChunk, ResolutionRun, RunKind
from tests.factories import (
    make_build,
    make_collection,
    make_dependency,
    make_group,
    make_package,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def offline_koji(settings):
    """A Koji that refuses connections at once (the collection page asks it)."""
    down = "http://127.0.0.1:9/kojihub"
    koschei = dict(settings.KOSCHEI)
    koschei["koji_config"] = {**koschei["koji_config"], "server": down}
    koschei["secondary_koji_config"] = {**koschei["koji_config"]}
    settings.KOSCHEI = koschei


def rows(body: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", body, re.S)


def test_change_lists_link_related_objects_and_escape_their_names(operator, collection, staff_user):
    package = make_package("<b>evil</b>", collection, tracked=True)
    build = make_build(package, BuildState.FAILED)
    LogEntry.objects.create(
        environment=LogEnvironment.ADMIN, message="touched", base=package.base, user=staff_user
    )
    builds = operator.get("/admin/builds/build/").content.decode()
    assert f'<a href="/admin/packages/package/{package.pk}/change/">&lt;b&gt;evil' in builds
    assert f'<a href="/admin/packages/collection/{collection.pk}/change/">f42</a>' in builds
    assert "<b>evil" not in builds
    log = operator.get("/admin/packages/logentry/").content.decode()
    assert f'<a href="/admin/packages/basepackage/{package.base_id}/change/">' in log
    assert f'<a href="/admin/auth/user/{staff_user.pk}/change/">operator</a>' in log
    page = operator.get(f"/admin/builds/build/{build.pk}/change/").content.decode()
    assert f"/admin/packages/logentry/?base__id__exact={package.base_id}" in page


def test_every_object_with_audit_entries_links_to_them(operator, collection, offline_koji):
    package = make_package("bash", collection)
    group = make_group("alice/tools", members=("bash",), maintainers=("alice",))
    base = operator.get(f"/admin/packages/basepackage/{package.base_id}/change/").content
    assert f"/admin/packages/logentry/?base__id__exact={package.base_id}" in base.decode()
    page = operator.get(f"/admin/packages/packagegroup/{group.pk}/change/").content.decode()
    assert "/admin/packages/logentry/?about=group%3Aalice%2Ftools" in page
    page = operator.get(f"/admin/packages/collection/{collection.pk}/change/").content.decode()
    assert "/admin/packages/logentry/?about=collection%3Af42" in page
    assert "Koji unreachable: " in page  # and the page is still served
    missing = operator.get("/admin/packages/collection/no-such-id/change/")
    assert missing.status_code == 302  # Django's "does not exist" redirect, not a 500


def test_the_about_filter_keeps_the_entries_of_one_collection_or_group(operator, db):
    for message in (
        "Collection f42 modified",
        "Collection f42-next modified",
        "Collection f4 created",
        "Group alice/tools created",
        "Group tools modified: package bash added",
        "Group toolsmith created",
    ):
        LogEntry.objects.create(environment=LogEnvironment.BACKEND, message=message)

    def shown(about: str) -> list[str]:
        response = operator.get("/admin/packages/logentry/", {"about": about})
        return sorted(entry.message for entry in response.context["cl"].result_list)

    assert shown("collection:f42") == ["Collection f42 modified"]
    assert shown("group:alice/tools") == [
        "Group alice/tools created",
        "Group tools modified: package bash added",
    ]
    assert len(shown("nonsense")) == 6


def test_install_sets_are_shown_as_nevras(operator, collection):
    package = make_package("bash", collection, tracked=True, resolved=True)
    glibc = make_dependency("glibc", "2.41", epoch=1)
    gcc = make_dependency("gcc", "15.1")
    PackageResolution.objects.create(
        package=package, repo_id=7, install_set=[glibc.pk, gcc.pk], inputs_digest="x"
    )
    build = make_build(package, BuildState.COMPLETE, deps_resolved=True)
    Build.objects.filter(pk=build.pk).update(dependency_keys=encode_keys([gcc.pk]))
    page = operator.get(f"/admin/resolution/packageresolution/{package.pk}/change/")
    text = page.content.decode()
    assert "gcc-15.1-1.fc42.x86_64<br>glibc-1:2.41-1.fc42.x86_64" in text
    assert f"{glibc.pk}, {gcc.pk}" not in text and f"[{glibc.pk}" not in text
    text = operator.get(f"/admin/builds/build/{build.pk}/change/").content.decode()
    assert "Resolved buildroot of this build" in text and "<li>gcc-15.1-1.fc42.x86_64</li>" in text
    text = operator.get(f"/admin/packages/package/{package.pk}/change/").content.decode()
    assert "Install set of the last resolution (repo 7)" in text
    assert "<li>glibc-1:2.41-1.fc42.x86_64</li>" in text


def test_a_chunk_names_its_packages(operator, collection):
    bash, zsh = make_package("bash", collection), make_package("zsh", make_collection("f41"))
    run = ResolutionRun.objects.create(collection=collection, repo_id=7, kind=RunKind.FULL)
    chunk = ResolutionChunk.objects.create(run=run, package_ids=[zsh.pk, bash.pk])
    text = operator.get(f"/admin/resolution/resolutionchunk/{chunk.pk}/change/").content.decode()
    assert f'<a href="/admin/packages/package/{bash.pk}/change/">bash (f42)</a>' in text
    assert f'<a href="/admin/packages/package/{zsh.pk}/change/">zsh (f41)</a>' in text
    runs = operator.get("/admin/resolution/resolutionchunk/").content.decode()
    assert f'<a href="/admin/resolution/resolutionrun/{run.pk}/change/">' in runs
