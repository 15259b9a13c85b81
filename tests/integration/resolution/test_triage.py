"""The triage of an incremental run: unchanged packages move, reusable ones keep their sets."""

from __future__ import annotations

import io
import shutil

import pytest
from django.core.management import call_command
from django.db import transaction

from packages.models import Package
from resolution import tasks
from resolution.models import (
    PackageResolution,
    ResolutionChunk,
    ResolutionRun,
    RunKind,
    RunState,
)
from resolution.services import impacts, inputs
from resolution.services import triage as triage_service
from resolution.services.inputs import RepoSource
from resolution.services.runs import move_unchanged
from resolution.services.triage import triage
from tests.factories import make_build
from tests.integration.resolution.conftest import (
    collection,
    history,
    new_repo,
    package,
    sessions,
    set_config,
)

pytestmark = pytest.mark.django_db(transaction=True)


def last_run() -> ResolutionRun:
    return ResolutionRun.objects.order_by("-id").first()


def stored_repos() -> dict[str, int]:
    return dict(PackageResolution.objects.values_list("package__name", "repo_id"))


def resolved_count() -> int:
    return Package.objects.filter(collection__name="f42", resolved=True).count()


def test_an_unchanged_repo_moves_every_resolved_package_without_a_chunk_for_it(f42, koji_hub):
    call_command("resolve-builds", "f42", stdout=io.StringIO())
    tasks.check_new_repos()
    call_command("resolve-repo", "f42", stdout=io.StringIO())  # baselines are now stored
    unresolved = Package.objects.filter(resolved=False).count()
    repo = new_repo(koji_hub)
    tasks.check_new_repos()
    run = last_run()
    assert run.kind == RunKind.INCREMENTAL and run.repo_id == repo
    assert run.reused == run.packages == resolved_count() + unresolved and run.solved == 0
    assert run.problems == unresolved and not run.chunks.filter(triage=False).exists()
    assert set(stored_repos().values()) == {repo}


def test_a_new_comparison_baseline_reuses_the_install_set_and_recomputes_the_changes(f42, koji_hub):
    tasks.check_new_repos()  # no build resolved yet: no baseline, no changes
    assert package("foo").dependency_priority == 0
    call_command("resolve-builds", "f42", stdout=io.StringIO())
    koji_hub.sim("newBuild", "bar", {"version": "2.5"})  # foo depends on bar
    call_command("refresh-builds", "f42")
    new_repo(koji_hub)
    tasks.check_new_repos()
    run = last_run()
    reusable = {i for c in run.chunks.all() for i in c.reusable}
    assert package("qux").pk in reusable  # untouched by bar: its set holds
    assert package("foo").pk not in reusable  # bar changed under it: solved again
    assert run.solved < run.packages
    stored = PackageResolution.objects.get(package__name="qux")
    assert stored.baseline_build_id == package("qux").last_build_id
    assert package("foo").dependency_priority > 0


def test_a_build_registered_after_the_triage_leaves_its_package_for_the_next_run(f42, koji_hub):
    call_command("resolve-builds", "f42", stdout=io.StringIO())
    tasks.check_new_repos()
    call_command("resolve-repo", "f42", stdout=io.StringIO())
    old = stored_repos()["qux"]
    repo = new_repo(koji_hub)
    group = last_run().build_group
    ids = list(Package.objects.filter(resolved=True).order_by("id").values_list("id", flat=True))
    plan = triage(source=RepoSource(collection(), repo, sessions()), group=group, package_ids=ids)
    qux = package("qux")
    assert qux.pk in plan.unchanged and not plan.solve
    make_build(qux, version="9", release="1.fc42", repo_id=repo)  # registered meanwhile
    with transaction.atomic():
        moved, unresolved = move_unchanged(plan.unchanged, repo)
    assert (moved, unresolved) == (len(ids) - 1, 0)
    assert stored_repos()["qux"] == old
    assert stored_repos()["foo"] == repo


def test_without_the_previous_repo_every_package_is_solved_again(f42, koji_hub, cachedir):
    tasks.check_new_repos()
    first = last_run().repo_id
    new_repo(koji_hub)
    koji_hub.sim("corruptRepodata", first, "x86_64", "primary")
    for entry in (cachedir / "repodata").glob(f"*-{first}"):
        shutil.rmtree(entry)  # evicted from this host's cache
    inputs.solver_cache.clear()  # as in another worker process
    tasks.check_new_repos()
    run = last_run()
    assert run.kind == RunKind.INCREMENTAL and run.reused == 0
    assert (
        run.solved
        == run.packages
        == resolved_count() + Package.objects.filter(resolved=False).count()
    )
    assert not ResolutionChunk.objects.filter(run=run).exclude(reusable=[]).exists()


def test_a_large_triage_is_shared_by_every_worker(f42, koji_hub, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "workers": 3}
    set_config(settings, "dependency", min_triage_share=4)  # as if the collection were large
    tasks.check_new_repos()
    stored = set(PackageResolution.objects.values_list("package_id", flat=True))
    repo = new_repo(koji_hub)
    tasks.check_new_repos()
    run = last_run()
    shares = [set(c.package_ids) for c in run.chunks.filter(triage=True)]
    assert len(shares) == 3 and set.union(*shares) == stored
    assert sum(map(len, shares)) == len(stored)
    assert run.state == RunState.DONE and run.reused == len(stored)
    assert set(stored_repos().values()) == {repo}


def test_a_package_failing_on_a_missing_build_require_fails_again_without_a_solve(f42, koji_hub):
    tasks.check_new_repos()
    broken = package("broken")
    failure = (False, ["No package found for: does-not-exist-devel"])
    new_repo(koji_hub)
    tasks.check_new_repos()
    solved = {i for c in last_run().chunks.filter(triage=False) for i in c.package_ids}
    assert broken.pk not in solved and history("broken") == [failure]
    # a provider of the missing BuildRequire appears: solved again, and it resolves
    python3 = {"name": "python3", "provides": ["python(abi) = 3.12"], "files": ["/usr/bin/python3"]}
    koji_hub.sim("newBuild", "python3", {"binaries": [python3, {"name": "does-not-exist-devel"}]})
    call_command("refresh-builds", "f42")
    new_repo(koji_hub)
    tasks.check_new_repos()
    assert history("broken") == [failure, (True, [])]


def test_a_package_failing_on_a_broken_dependency_fails_again_without_a_solve(f42, koji_hub):
    tasks.check_new_repos()
    # bar now needs a library nothing provides: foo's goal fails in libsolv
    bar = {"name": "bar", "provides": ["libbar.so.2()(64bit)"], "requires": ["glibc", "libmissing"]}
    bar_devel = {"name": "bar-devel", "requires": ["bar"], "files": ["/usr/include/bar.h"]}
    koji_hub.sim("newBuild", "bar", {"binaries": [bar, bar_devel]})
    call_command("refresh-builds", "f42")
    new_repo(koji_hub)
    tasks.check_new_repos()
    failure = history("foo")[-1]
    assert failure[0] is False and "libmissing" in failure[1][0]
    # a change outside foo's candidates: foo is not solved and fails the same way
    koji_hub.sim("newBuild", "qux", {"binaries": [{"name": "qux"}]})
    call_command("refresh-builds", "f42")
    new_repo(koji_hub)
    tasks.check_new_repos()
    solved = {i for c in last_run().chunks.filter(triage=False) for i in c.package_ids}
    assert package("qux").pk in solved and package("foo").pk not in solved
    assert history("foo")[-1] == failure
    assert stored_repos()["foo"] == collection().latest_repo_id
    # a provider of the missing library appears: foo is solved again, and it resolves
    python3 = {"name": "python3", "provides": ["python(abi) = 3.12"], "files": ["/usr/bin/python3"]}
    koji_hub.sim("newBuild", "python3", {"binaries": [python3, {"name": "libmissing"}]})
    call_command("refresh-builds", "f42")
    new_repo(koji_hub)
    tasks.check_new_repos()
    assert history("foo")[-1] == (True, [])


def test_the_repo_check_has_a_worker_work_out_the_change_ahead_of_the_triage(
    f42, koji_hub, monkeypatch
):
    prepared = []
    original = tasks.prepare_repo

    def spy(*args):
        prepared.append((*args, original(*args)))
        return prepared[-1][-1]

    monkeypatch.setattr(tasks, "prepare_repo", spy)
    tasks.check_new_repos()
    assert prepared == []  # a first repo has no change to work out
    previous = collection().latest_repo_id
    repo = new_repo(koji_hub)
    tasks.check_new_repos()
    assert prepared == [(collection().pk, repo, previous, True)]
    assert stored_repos()["foo"] == repo
    # a previous repo Koji no longer has: nothing prepared, the triage solves everything
    assert original(collection().pk, repo, 999_999) is False
    assert original(0, repo, previous) is False  # an unknown collection


def evict_and_break(koji_hub, cachedir, repo_id: int) -> None:
    """Repo ``repo_id`` gone from this host's cache and unreadable in Koji."""
    koji_hub.sim("corruptRepodata", repo_id, "x86_64", "primary")
    for entry in (cachedir / "repodata").glob(f"*-{repo_id}"):
        shutil.rmtree(entry)


def test_the_change_is_worked_out_once_per_host_and_read_by_other_processes(
    f42, koji_hub, cachedir
):
    tasks.check_new_repos()
    first = last_run().repo_id
    repo = new_repo(koji_hub)
    assert tasks.prepare_repo(collection().pk, repo, first) is True
    files = sorted((cachedir / "repodata").glob(f"*-{repo}/{impacts.IMPACTS_DIR}/*.pickle"))
    assert len(files) == 1
    # another worker process: nothing in memory, and the previous repo cannot be had any
    # more; only the file the first process left lets it sort the packages
    inputs.solver_cache.clear()
    triage_service.impact_cache.clear()
    evict_and_break(koji_hub, cachedir, first)
    tasks.check_new_repos()
    run = last_run()
    assert run.repo_id == repo and run.state == RunState.DONE
    assert run.solved == 0 and run.reused == run.packages == len(stored_repos())


def test_an_unreadable_impact_file_is_worked_out_again(f42, koji_hub, cachedir):
    tasks.check_new_repos()
    first = last_run().repo_id
    repo = new_repo(koji_hub)
    assert tasks.prepare_repo(collection().pk, repo, first) is True
    [path] = (cachedir / "repodata").glob(f"*-{repo}/{impacts.IMPACTS_DIR}/*.pickle")
    path.write_bytes(b"not a pickle")
    triage_service.impact_cache.clear()
    tasks.check_new_repos()
    run = last_run()
    assert run.state == RunState.DONE and run.solved == 0 and run.reused == run.packages
    assert path.read_bytes() != b"not a pickle"


def test_a_package_tracked_since_the_last_repo_is_solved_by_the_triage(f42, koji_hub):
    Package.objects.filter(name="qux").update(tracked=False)
    tasks.check_new_repos()
    assert "qux" not in stored_repos()
    Package.objects.filter(name="qux").update(tracked=True)
    repo = new_repo(koji_hub)
    tasks.check_new_repos()
    run = last_run()
    assert package("qux").pk in run.chunks.get(triage=True).package_ids
    assert run.state == RunState.DONE and run.solved == 1 and run.reused == run.packages - 1
    assert stored_repos()["qux"] == repo and package("qux").resolved is True


def test_loading_a_new_sack_drops_the_memos_of_the_kept_one(f42, koji_hub):
    tasks.check_new_repos()
    first = RepoSource(collection(), last_run().repo_id, sessions())
    group = last_run().build_group
    inputs.solver_cache.clear()
    with inputs.solver_for(first) as old:
        before = old.resolve(["foo"], group)
        assert old._matches and old._graph is not None and old._named
    with inputs.solver_for(first.at(new_repo(koji_hub))) as new:
        assert new is not old and new.resolve(["foo"], group).resolved
    assert not old._matches and old._graph is None and not old._named  # kept, no memos
    with inputs.solver_for(first) as again:
        assert again is old and again.resolve(["foo"], group) == before
