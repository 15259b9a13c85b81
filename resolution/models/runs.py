"""Resolution bookkeeping: BuildRequires cache, per-package results, repo runs and chunks."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from packages.models import Collection, Package


class SrpmRequires(models.Model):
    """The BuildRequires of one SRPM NVRA as Koji reported them, fetched once and kept.

    An SRPM never changes in Koji, so the row is valid forever; ``koji_id`` tells the
    primary Koji from the secondary one (secondary-mode collections read the latter).
    """

    koji_id = models.CharField(max_length=32)
    nvra = models.CharField(max_length=1024)
    requires = ArrayField(models.TextField(), default=list)

    class Meta:
        db_table = "srpm_requires"
        constraints = [
            models.UniqueConstraint(fields=["koji_id", "nvra"], name="srpm_requires_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.koji_id}:{self.nvra}"


class PackageResolution(models.Model):
    """A package's last successful resolution: its install set, repo and input digest.

    Incremental resolution reuses ``install_set`` (Dependency ids) without a solver run
    when ``inputs_digest`` (SRPM, BuildRequires, build group, weak-deps setting) is
    unchanged and the repo change cannot affect it; when ``last_build_id`` and
    ``baseline_build_id`` are also still the package's, the stored changes hold as well.
    An unresolved package has one only when it failed on BuildRequires nothing provides
    alone (the install set of the goal of the others).
    """

    package = models.OneToOneField(
        Package, primary_key=True, on_delete=models.CASCADE, related_name="last_resolution"
    )
    repo_id = models.IntegerField()
    install_set = ArrayField(models.IntegerField(), default=list)
    inputs_digest = models.CharField(max_length=64)
    # What the stored changes were computed against: when a reused install set meets the
    # same last build and comparison baseline again, the stored outcome still holds.
    last_build_id = models.BigIntegerField(null=True, blank=True)
    baseline_build_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        db_table = "package_resolution"

    def __str__(self) -> str:
        return f"{self.package_id} at repo {self.repo_id}"


class RunState(models.TextChoices):
    RUNNING = "running"
    DONE = "done"
    SUPERSEDED = "superseded"  # a newer repo arrived before the run finished
    FAILED = "failed"  # the repo could not be used (repo_error says why)


class RunKind(models.TextChoices):
    FULL = "full"  # every eligible package, solver run for each
    INCREMENTAL = "incremental"  # every eligible package, stored install sets reused
    NEW_PACKAGES = "new"  # only packages never resolved (resolved IS NULL)


class ResolutionRun(models.Model):
    """The resolution of a collection's packages against one repo, split into chunks.

    A chunk commits its results and ``chunks_done`` in one transaction; the chunk that
    completes the run enqueues the finishing step.  Figures add up over the chunks.
    """

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="resolution_runs"
    )
    repo_id = models.IntegerField()
    kind = models.CharField(max_length=16, choices=RunKind.choices)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.RUNNING)
    build_group = ArrayField(models.TextField(), default=list)
    error = models.TextField(blank=True, default="")
    chunks_total = models.IntegerField(default=0)
    chunks_done = models.IntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    packages = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    reused = models.IntegerField(default=0)
    skipped = models.IntegerField(default=0)
    changed = models.IntegerField(default=0)
    problems = models.IntegerField(default=0)
    # the repo's binary packages: the next repo is compared with it (a suspicious shrink)
    repo_packages = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "resolution_run"
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["collection"], condition=Q(state="running"), name="ix_resolution_run_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} run of {self.collection_id} at repo {self.repo_id}: {self.state}"


class ResolutionChunk(models.Model):
    """Some packages of a run, resolved by one task; re-enqueued when overdue."""

    run = models.ForeignKey(ResolutionRun, on_delete=models.CASCADE, related_name="chunks")
    package_ids = ArrayField(models.IntegerField())
    # those whose stored install set the run's triage found untouched by the repo change
    reusable = ArrayField(models.IntegerField(), default=list, blank=True)
    # a triage chunk sorts its packages and adds chunks for those that need solving
    triage = models.BooleanField(default=False)
    done = models.BooleanField(default=False)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.IntegerField(default=0)

    class Meta:
        db_table = "resolution_chunk"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["run"], condition=Q(done=False), name="ix_resolution_chunk_open"),
        ]

    def __str__(self) -> str:
        return f"chunk {self.id} of run {self.run_id}"
