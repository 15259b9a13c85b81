"""Stored problem sets do not depend on how the sack was loaded (repodata or solv cache).

libsolv lists the rules of one problem in the order of the package's requires, and
hawkey's solv cache stores those sorted: a package that needs two missing capabilities
gets its problem lines in a different order from each load.  Problems are stored and
compared in a canonical order, so either load leaves the same rows.
"""

from __future__ import annotations

import io
import logging
import shutil

import pytest
from django.core.management import call_command

from resolution import tasks
from resolution.models import ResolutionChange
from resolution.repos import SOLV_DIR
from resolution.services.inputs import solver_cache
from tests.integration.resolution.conftest import history, new_repo, package

pytestmark = pytest.mark.django_db(transaction=True)


def resolve_again(caplog, cachedir, *, from_cache: bool) -> None:
    """resolve-repo --full as a fresh process would, loading the sack as asked."""
    solver_cache.clear()
    if not from_cache:
        for solv in cachedir.glob(f"repodata/*/{SOLV_DIR}"):
            shutil.rmtree(solv)
    caplog.clear()
    call_command("resolve-repo", "f42", "--full", stdout=io.StringIO())
    loaded = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Loaded ")]
    how = "(solv cache)" if from_cache else "(repodata)"
    assert loaded and all(m.endswith(how) for m in loaded)


def test_a_repo_loaded_from_repodata_or_the_solv_cache_leaves_identical_problem_rows(
    f42, koji_hub, cachedir, caplog
):
    caplog.set_level(logging.INFO, logger="resolution.depsolve.sack")
    koji_hub.sim(
        "newBuild", "needy", {"binaries": [{"name": "needy", "requires": ["aaa-gone", "zzz-gone"]}]}
    )
    koji_hub.sim("newBuild", "baz", {"build_requires": ["needy"]})
    call_command("refresh-builds", "f42")
    new_repo(koji_hub)
    tasks.check_new_repos()  # the first load of a repo reads its repodata
    from_repodata = history("baz")
    [(resolved, [problem])] = from_repodata
    assert not resolved and "aaa-gone" in problem and "zzz-gone" in problem
    # the same resolution from hawkey's solv cache keeps the outcome: no new history row
    resolve_again(caplog, cachedir, from_cache=True)
    assert history("baz") == from_repodata
    # and written afresh from either load, the rows are the same
    for from_cache in (True, False):
        ResolutionChange.objects.filter(package=package("baz")).delete()
        resolve_again(caplog, cachedir, from_cache=from_cache)
        assert history("baz") == from_repodata
