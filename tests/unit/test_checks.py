"""System checks of the KOSCHEI configuration."""

from __future__ import annotations

import copy

import pytest

from koschei_site.checks import check_koschei_config


def with_repo_url(settings, url):
    config = copy.deepcopy(settings.KOSCHEI)
    config["secondary_koji_config"]["repo_url"] = url
    settings.KOSCHEI = config


@pytest.mark.parametrize(
    "url",
    [
        "https://kojipkgs.example.org/repos/{build_tag}/{repo_id}/{arch}",
        "https://kojipkgs.example.org/repos/{build_tag}/latest/{arch}",
    ],
)
def test_a_secondary_repo_url_with_the_known_fields_passes(settings, url):
    with_repo_url(settings, url)
    assert [p.id for p in check_koschei_config(None)] == []


@pytest.mark.parametrize(
    "url",
    ["https://k.example.org/repos/{tag}/{repo_id}", "https://k.example.org/{0}", "https://{x"],
)
def test_a_secondary_repo_url_that_cannot_be_formatted_is_an_error(settings, url):
    with_repo_url(settings, url)
    assert [p.id for p in check_koschei_config(None)] == ["koschei.E004"]
