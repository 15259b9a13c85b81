"""Koji's arch rules (spec 3.2.1, 3.2.2) and BuildRequires formatting, without Koji."""

from __future__ import annotations

import koji
import pytest

from builds.arches import canon_arch, koji_load, srpm_arches
from builds.koji import format_dependency

TAG = ["i686", "x86_64", "armv7hl", "aarch64"]
BUILD_ARCHES = ["i386", "x86_64", "armhfp"]


@pytest.mark.parametrize(
    ("arch", "canonical"),
    [
        ("i386", "i386"),
        ("i686", "i386"),
        ("athlon", "i386"),
        ("ia32e", "x86_64"),
        ("ppc64le", "ppc64le"),
        ("ppc64p7", "ppc64"),
        ("sparc64v", "sparc64"),
        ("sparcv9", "sparc"),
        ("alphaev6", "alpha"),
        ("armv7hl", "armhfp"),
        ("armv5tel", "arm"),
        ("x86_64", "x86_64"),
        ("noarch", "noarch"),
    ],
)
def test_canon_arch_agrees_with_koji(arch, canonical):
    assert canon_arch(arch) == canonical == koji.canonArch(arch)


@pytest.mark.parametrize(
    ("headers", "override", "expected"),
    [
        ({}, None, {"i686", "x86_64", "armv7hl"}),
        ({"BUILDARCHS": ["noarch"]}, None, {"noarch"}),
        ({"EXCLUSIVEARCH": ["x86_64", "aarch64"]}, None, {"x86_64"}),
        ({"EXCLUDEARCH": ["i686"]}, None, {"x86_64", "armv7hl"}),
        ({"EXCLUSIVEARCH": ["noarch", "x86_64"]}, None, {"x86_64", "noarch"}),
        ({"BUILDARCHS": ["noarch"], "EXCLUDEARCH": ["noarch"]}, None, set()),
        ({}, "^i386 armhfp", {"x86_64"}),
        ({}, "x86_64", {"x86_64"}),
        ({}, "ppc64le", set()),
        ({"EXCLUSIVEARCH": ["s390x"]}, None, set()),
    ],
)
def test_srpm_arches_follow_kojid_rules(headers, override, expected):
    got = srpm_arches(
        tag_arches=TAG, headers=headers, arch_override=override, build_arches=BUILD_ARCHES
    )
    assert got == expected


HOSTS = [
    {"arches": "x86_64 i386", "capacity": 10, "task_load": 5, "ready": True},
    {"arches": "x86_64", "capacity": 10, "task_load": 20, "ready": True},
    {"arches": "armhfp", "capacity": 4, "task_load": 0, "ready": False},
    {"arches": "i386", "capacity": 10, "task_load": 1, "ready": True},
]


def test_koji_load_takes_the_busiest_arch_for_arch_specific_builds():
    # x86_64: (5 + min(20, 10)) / 20 = 0.75; i386: (5 + 1) / 20 = 0.3
    assert koji_load(hosts=HOSTS, all_arches=TAG, arches={"x86_64", "i686"}) == 0.75


def test_koji_load_takes_the_idlest_arch_for_noarch_builds():
    assert koji_load(hosts=HOSTS, all_arches=TAG, arches={"noarch"}) == 0.3


def test_an_arch_without_hosts_counts_as_fully_loaded():
    assert koji_load(hosts=HOSTS, all_arches=TAG, arches={"aarch64"}) == 1.0
    # a host that is not ready counts with its whole capacity
    assert koji_load(hosts=HOSTS, all_arches=TAG, arches={"armv7hl"}) == 1.0


@pytest.mark.parametrize(
    ("dep", "expected"),
    [
        ({"name": "maven-local", "flags": 0, "version": ""}, "maven-local"),
        ({"name": "foo", "flags": 12, "version": "1.2"}, "foo >= 1.2"),
        ({"name": "foo", "flags": 10, "version": "1.2"}, "foo <= 1.2"),
        ({"name": "foo", "flags": 8, "version": "2"}, "foo = 2"),
        ({"name": "foo", "flags": 2 | (1 << 14), "version": "3"}, "foo < 3"),
        ({"name": "rpmlib(FileDigests)", "flags": 16777226, "version": "4.6.0-1"}, None),
        ({"name": "rpmlib(CompressedFileNames)", "flags": 16777224, "version": "3.0.4-1"}, None),
    ],
)
def test_build_requires_are_formatted_like_upstream(dep, expected):
    assert format_dependency(dep) == expected
