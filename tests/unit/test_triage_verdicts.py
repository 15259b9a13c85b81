"""The triage's verdict on one package, from the facts stored with its last resolution."""

from __future__ import annotations

from typing import Any

import pytest

from resolution.services.inputs import InputsDigest, nvra_key
from resolution.services.triage import Verdict, _Facts, _verdict

GROUP = ["bash", "rpm-build"]
REQUIRES = ["gcc", "pkgconfig(glib-2.0)"]
REPO = 20
PREVIOUS_REPO = 19


def stored(**changes: Any) -> _Facts:
    """A resolved package stored against REPO, whose inputs, build and baseline still hold."""
    srpm = {"name": "foo", "version": "1.0", "release": "1.fc42", "arch": "src"}
    facts = _Facts(
        package_id=1,
        name="foo",
        version="1.0",
        release="1.fc42",
        resolved=True,
        last_build_id=10,
        stored_repo=REPO,
        digest=InputsDigest(GROUP).of(nvra_key(srpm), REQUIRES),
        members=[],
        stored_build=10,
        stored_baseline=10,
        baseline=10,
        requires=REQUIRES,
    )
    return facts._replace(**changes)


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({}, Verdict.UNCHANGED),
        ({"requires": list(reversed(REQUIRES))}, Verdict.UNCHANGED),
        ({"baseline": 11}, Verdict.REUSABLE),
        ({"last_build_id": 11, "baseline": 11}, Verdict.REUSABLE),
        ({"resolved": False, "baseline": None, "stored_baseline": None}, Verdict.UNCHANGED),
        ({"resolved": False, "last_build_id": 11}, Verdict.SOLVE),
        ({"resolved": None}, Verdict.SOLVE),
        ({"requires": None}, Verdict.SOLVE),
        ({"requires": [*REQUIRES, "make"]}, Verdict.SOLVE),
        ({"release": "2.fc42"}, Verdict.SOLVE),
        ({"version": ""}, Verdict.SOLVE),
        ({"stored_repo": PREVIOUS_REPO}, Verdict.SOLVE),
    ],
)
def test_a_package_moves_keeps_its_install_set_or_is_solved_as_its_stored_facts_allow(
    changes, verdict
):
    # the previous repo cannot be had any more: no impact, nothing can be kept from it
    impacts, touched = {PREVIOUS_REPO: None}, {PREVIOUS_REPO: None}
    facts = stored(**changes)
    assert _verdict(facts, REPO, impacts, touched, InputsDigest(GROUP)) is verdict
