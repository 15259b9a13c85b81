"""Repo resolution through kojisim: new repos, base buildroot, package results (spec 3.3-3.4)."""

from __future__ import annotations

import copy
import io

import pytest
from django.core.management import CommandError, call_command

from builds.models import Build
from packages.models import Collection, Package
from packages.signals import collection_state_changed, package_state_changed
from packages.states import BuildState
from resolution import tasks
from resolution.models import (
    BuildrootProblem,
    PackageResolution,
    ResolutionChange,
    ResolutionChunk,
    ResolutionRun,
    RunKind,
    RunState,
    UnappliedChange,
)
from resolution.services.inputs import RepoSource
from resolution.services.outcomes import resolve_packages
from resolution.services.persist import persist_outcomes
from resolution.services.repo_check import check_collection
from tests.factories import make_build, make_package
from tests.integration.resolution.conftest import (
    collection,
    history,
    new_repo,
    package,
    sessions,
    set_config,
)

pytestmark = pytest.mark.django_db(transaction=True)


def unapplied(name: str) -> dict[str, tuple[str | None, str | None, int | None]]:
    rows = UnappliedChange.objects.filter(package__name=name).select_related("prev_dep", "curr_dep")
    return {
        r.dep_name: (
            r.prev_dep.evr if r.prev_dep else None,
            r.curr_dep.evr if r.curr_dep else None,
            r.distance,
        )
        for r in rows
    }


class Recorder:
    """Collects a signal's keyword arguments."""

    def __init__(self, signal):
        self.calls: list[tuple] = []
        self.signal = signal
        signal.connect(self)

    def __call__(self, sender, **kwargs):
        kwargs.pop("signal", None)
        self.calls.append(tuple(kwargs.values()))

    def close(self):
        self.signal.disconnect(self)


@pytest.fixture
def package_signals():
    recorder = Recorder(package_state_changed)
    yield recorder
    recorder.close()


@pytest.fixture
def collection_signals():
    recorder = Recorder(collection_state_changed)
    yield recorder
    recorder.close()


def test_a_new_repo_resolves_the_base_buildroot_and_every_eligible_package(f42, koji_hub):
    assert tasks.check_new_repos() == 1
    coll = collection()
    assert coll.latest_repo_resolved is True and coll.repo_error == ""
    run = ResolutionRun.objects.get(collection=coll)
    assert run.state == RunState.DONE and run.repo_id == coll.latest_repo_id
    # a small run: one chunk per worker (two in the tests)
    assert run.chunks_done == run.chunks_total == 2 and run.finished_at is not None
    eligible = Package.objects.filter(collection=coll, tracked=True, blocked=False)
    assert run.packages == eligible.exclude(last_complete_build=None).count()
    assert package("foo").resolved is True
    assert history("foo") == [(True, [])]
    resolution = PackageResolution.objects.get(package=package("foo"))
    assert resolution.repo_id == coll.latest_repo_id and resolution.install_set


def test_a_finished_run_enqueues_the_scheduler_at_once(f42, koji_hub, settings):
    """Without it, a package the run made due waits for the scheduler's schedule (once a
    minute); the tests' synchronous queue runs the enqueued decisions at once."""
    config = copy.deepcopy(settings.KOSCHEI)
    config["services"]["scheduler"]["enabled"] = True
    settings.KOSCHEI = config
    Package.objects.update(manual_priority=-100_000)
    Package.objects.filter(name="foo").update(manual_priority=100_000)
    assert not Build.objects.filter(real=False).exists()
    tasks.check_new_repos()
    assert ResolutionRun.objects.get().state == RunState.DONE
    scratch = Build.objects.filter(real=False, state=BuildState.RUNNING)
    assert [build.package.name for build in scratch] == ["foo"]


def test_a_missing_build_require_is_a_problem_naming_it(f42):
    tasks.check_new_repos()
    assert package("broken").resolved is False
    assert history("broken") == [(False, ["No package found for: does-not-exist-devel"])]
    # what the goal of its other requirements installed is kept for incremental runs
    stored = PackageResolution.objects.get(package=package("broken"))
    assert stored.install_set and not unapplied("broken")


def test_rich_build_requires_resolve_and_unmatched_ones_are_ignored(f42, koji_hub):
    koji_hub.sim(
        "newBuild",
        "baz",
        {"build_requires": ["python3", "(nothing-here >= 1 with nothing-here < 2)"]},
    )
    call_command("refresh-builds", "f42")
    tasks.check_new_repos()
    assert package("baz").resolved is True
    assert history("baz") == [(True, [])]


def test_a_file_build_require_is_satisfied_by_the_package_owning_the_file(f42, koji_hub):
    koji_hub.sim("newBuild", "flaky", {"build_requires": ["/usr/bin/make"]})
    call_command("refresh-builds", "f42")
    tasks.check_new_repos()
    flaky = package("flaky")
    assert flaky.resolved is True
    ids = PackageResolution.objects.get(package=flaky).install_set
    from resolution.models import Dependency

    assert "make" in set(Dependency.objects.filter(pk__in=ids).values_list("name", flat=True))


def test_an_unresolvable_build_group_records_problems_and_resolves_no_package(
    f42, koji_hub, collection_signals
):
    tasks.check_new_repos()
    changes_before = ResolutionChange.objects.count()
    koji_hub.sim(
        "newBuild", "make", {"binaries": [{"name": "make", "requires": ["libguile-missing"]}]}
    )
    repo = new_repo(koji_hub)
    assert tasks.check_new_repos() == 0
    coll = collection()
    assert (coll.latest_repo_id, coll.latest_repo_resolved) == (repo, False)
    problems = list(
        BuildrootProblem.objects.filter(collection=coll).values_list("problem", flat=True)
    )
    assert problems and all(p.startswith("Problem: ") for p in problems)
    assert problems == sorted(problems)  # canonical order, whatever the load
    assert any("libguile-missing" in p for p in problems)
    assert ResolutionChange.objects.count() == changes_before
    assert collection_signals.calls[-1] == (coll.pk, "ok", "unresolved")
    # Koji fixes the group: the next repo resolves and the problems go
    koji_hub.sim("newBuild", "make", {"binaries": [{"name": "make", "files": ["/usr/bin/make"]}]})
    repo = new_repo(koji_hub)
    assert tasks.check_new_repos() == 1
    coll = collection()
    assert (coll.latest_repo_id, coll.latest_repo_resolved) == (repo, True)
    assert not BuildrootProblem.objects.filter(collection=coll).exists()
    assert collection_signals.calls[-1] == (coll.pk, "unresolved", "ok")


def test_a_package_added_to_the_build_group_that_does_not_exist_is_skipped_like_dnf(f42, koji_hub):
    koji_hub.sim("groupPackage", "f42-build", "build", "no-such-package")
    tasks.check_new_repos()
    assert collection().latest_repo_resolved is True


def test_a_missing_build_group_is_recorded_and_the_next_good_repo_clears_it(f42, koji_hub):
    tasks.check_new_repos()
    good = collection().latest_repo_id
    Collection.objects.filter(pk=f42.pk).update(build_group="no-such-group")
    new_repo(koji_hub)
    assert tasks.check_new_repos() == 0
    coll = collection()
    assert coll.latest_repo_id == good
    assert coll.repo_error.startswith("No build group found for f42 at repo_id ")
    Collection.objects.filter(pk=f42.pk).update(build_group="build")
    repo = new_repo(koji_hub)
    assert tasks.check_new_repos() == 1
    coll = collection()
    assert (coll.latest_repo_id, coll.repo_error) == (repo, "")


def test_corrupt_repodata_is_recorded_without_crashing_and_the_next_repo_clears_it(f42, koji_hub):
    tasks.check_new_repos()
    good = collection().latest_repo_id
    bad = new_repo(koji_hub)
    koji_hub.sim("corruptRepodata", bad, "x86_64", "primary")
    assert tasks.check_new_repos() == 0
    coll = collection()
    assert coll.latest_repo_id == good and coll.repo_error
    assert "\n" not in coll.repo_error
    assert ResolutionRun.objects.get(repo_id=bad).state == RunState.FAILED
    # the same broken repo is not downloaded again on every check
    assert tasks.check_new_repos() == 0
    assert ResolutionRun.objects.filter(repo_id=bad).count() == 1
    repo = new_repo(koji_hub)
    assert tasks.check_new_repos() == 1
    coll = collection()
    assert (coll.latest_repo_id, coll.repo_error) == (repo, "")


def test_a_chunk_lost_with_its_worker_is_re_enqueued_and_the_run_completes(f42, settings):
    set_config(settings, "dependency", resolve_chunk_size=2, chunk_overdue_seconds=0)
    # the check commits the run but its chunk tasks are never delivered (a lost broker)
    check = check_collection(collection=collection(), sessions=sessions(), enqueue=False)
    run = check.run
    chunks = list(ResolutionChunk.objects.filter(run=run).order_by("id"))
    assert len(chunks) > 2 and run.state == RunState.RUNNING
    assert tasks.resolve_repo_chunk(chunks[0].pk) is True  # one worker got this one
    assert ResolutionRun.objects.get(pk=run.pk).chunks_done == 1
    tasks.check_new_repos()  # the periodic check finds the others overdue
    run = ResolutionRun.objects.get(pk=run.pk)
    assert run.state == RunState.DONE and run.chunks_done == run.chunks_total
    assert not ResolutionChunk.objects.filter(run=run, done=False).exists()
    assert ResolutionChunk.objects.filter(run=run, attempts=1).count() == len(chunks) - 1


def test_rerunning_a_done_chunk_or_the_check_changes_nothing(f42):
    tasks.check_new_repos()
    chunks = list(ResolutionChunk.objects.order_by("id"))
    changes = ResolutionChange.objects.count()
    assert [tasks.resolve_repo_chunk(chunk.pk) for chunk in chunks] == [False] * len(chunks)
    assert tasks.finish_repo(chunks[0].run_id) is True
    assert tasks.check_new_repos() == 0
    assert ResolutionChange.objects.count() == changes
    assert ResolutionRun.objects.get().chunks_done == len(chunks)


def test_a_chunk_of_a_superseded_run_is_dropped(f42, koji_hub):
    old = check_collection(collection=collection(), sessions=sessions(), enqueue=False).run
    new_repo(koji_hub)
    tasks.check_new_repos()
    assert ResolutionRun.objects.get(pk=old.pk).state == RunState.SUPERSEDED
    chunks = list(ResolutionChunk.objects.filter(run=old))
    assert [tasks.resolve_repo_chunk(chunk.pk) for chunk in chunks] == [False] * len(chunks)
    assert not ResolutionChunk.objects.filter(run=old, done=True).exists()


def test_newly_tracked_packages_are_resolved_without_waiting_for_a_new_repo(f42):
    Package.objects.filter(name="qux").update(tracked=False)
    tasks.check_new_repos()
    assert package("qux").resolved is None
    foo_history = history("foo")
    Package.objects.filter(name="qux").update(tracked=True)
    assert tasks.check_new_repos() == 1
    run = ResolutionRun.objects.order_by("-id").first()
    assert run.kind == RunKind.NEW_PACKAGES and run.packages == 1
    assert package("qux").resolved is True
    assert history("foo") == foo_history


def test_a_resolution_change_is_written_only_when_the_outcome_changes(f42, koji_hub):
    tasks.check_new_repos()
    call_command("resolve-repo", "f42", stdout=io.StringIO())
    assert history("foo") == [(True, [])]
    assert len(history("broken")) == 1
    # the same failure with another missing dependency is a new problem set
    koji_hub.sim("newBuild", "broken", {"build_requires": ["other-missing-devel"]})
    call_command("refresh-builds", "f42")
    call_command("resolve-repo", "f42", stdout=io.StringIO())
    assert history("broken")[-1] == (False, ["No package found for: other-missing-devel"])
    assert len(history("broken")) == 2
    # and fixing it is a change too
    koji_hub.sim("newBuild", "broken", {"build_requires": ["make"]})
    call_command("refresh-builds", "f42")
    call_command("resolve-repo", "f42", stdout=io.StringIO())
    assert history("broken")[-1] == (True, [])


def test_package_state_changes_are_signalled_after_commit(f42, koji_hub, package_signals):
    tasks.check_new_repos()
    broken = package("broken")
    assert (broken.pk, "ok", "unresolved") in package_signals.calls
    assert all(call[1] != call[2] for call in package_signals.calls)


def test_changes_with_epochs_and_distances_give_the_dependency_priority(f42, koji_hub):
    call_command("resolve-builds", "f42", stdout=io.StringIO())
    tasks.check_new_repos()
    assert unapplied("foo") == {}
    koji_hub.sim(
        "newBuild",
        "bar",
        {
            "version": "2.5",
            "epoch": 1,
            "binaries": [
                # bar and bar-devel require each other: a cycle
                {
                    "name": "bar",
                    "provides": ["libbar.so.2()(64bit)"],
                    "requires": ["glibc", "bar-devel"],
                },
                {"name": "bar-devel", "requires": ["bar = {evr}", "glibc-devel"]},
            ],
        },
    )
    new_repo(koji_hub)
    tasks.check_new_repos()
    changes = unapplied("foo")
    assert changes["bar-devel"] == ("2.0-1.fc42", "1:2.5-1.fc42", 1)
    assert changes["bar"] == ("2.0-1.fc42", "1:2.5-1.fc42", 2)
    # bar-devel at 1 and bar at 2: 256/1 + 256/2
    assert package("foo").dependency_priority == 384


def test_a_package_whose_last_build_changed_meanwhile_is_skipped_and_keeps_its_changes(
    f42, koji_hub
):
    call_command("resolve-builds", "f42", stdout=io.StringIO())
    tasks.check_new_repos()
    koji_hub.sim("newBuild", "bar", {"version": "2.5"})
    repo = new_repo(koji_hub)
    tasks.check_new_repos()
    foo = package("foo")
    before = unapplied("foo")
    assert before and foo.dependency_priority > 0
    outcomes = resolve_packages(
        source=RepoSource(collection(), repo, sessions()),
        group=ResolutionRun.objects.filter(repo_id=repo).first().build_group,
        package_ids=[foo.pk],
    )
    make_build(foo, version="1.0", release="1.fc42", repo_id=repo)  # registered meanwhile
    from django.db import transaction

    with transaction.atomic():
        figures = persist_outcomes(repo_id=repo, outcomes=outcomes.outcomes)
    assert (figures.processed, figures.skipped) == (0, 1)
    assert unapplied("foo") == before  # spec 8.8 fixed: the changes stay


def test_a_chunk_resolves_the_srpm_of_each_last_complete_build_and_skips_the_rest(f42):
    tasks.check_new_repos()
    f42 = collection()
    foo = package("foo")
    unbuilt = make_package("unbuilt", f42, tracked=True)
    blank = make_package("blank", f42, tracked=True)
    blank.last_complete_build = blank.last_build = make_build(blank, version="", release="")
    blank.save()
    outcomes = resolve_packages(
        source=RepoSource(f42, f42.latest_repo_id, sessions()),
        group=ResolutionRun.objects.get().build_group,
        package_ids=[blank.pk, foo.pk, unbuilt.pk, 10**9],
    )
    assert [(o.package_id, o.last_build_id) for o in outcomes.outcomes] == [
        (foo.pk, foo.last_build_id)
    ]
    assert outcomes.outcomes[0].resolution.resolved
    assert sorted(outcomes.skipped) == sorted([blank.pk, unbuilt.pk, 10**9])


def test_resolve_repo_prints_the_summary_line_and_rejects_unknown_collections(f42):
    out = io.StringIO()
    call_command("resolve-repo", "f42", "--full", stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("packages=") and " changed=" in last and " seconds=" in last
    assert ResolutionRun.objects.get().kind == RunKind.FULL
    with pytest.raises(CommandError, match=r"^Collection not found: nope$"):
        call_command("resolve-repo", "nope")


def test_check_repos_hands_a_new_repo_to_the_workers_once(f42):
    out = io.StringIO()
    call_command("check-repos", stdout=out)
    run = ResolutionRun.objects.get()
    assert out.getvalue() == (
        f"f42: repo {run.repo_id}, base buildroot resolved; incremental run {run.pk} started\n"
    )
    assert run.state == RunState.DONE  # the tests' workers run tasks at once
    out = io.StringIO()
    call_command("check-repos", stdout=out)
    assert out.getvalue() == "f42: nothing to do\n"
    assert ResolutionRun.objects.count() == 1
