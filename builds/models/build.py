"""Scratch and real builds of packages and their per-arch Koji tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from builds.dependency_keys import decode_keys
from packages.evr import srpm_nvra
from packages.models import Package
from packages.states import BuildState, KojiTaskState


def koji_config_for(build: Build) -> dict[str, object]:
    """Secondary Koji's config for real builds of secondary-mode collections, else primary."""
    config = settings.KOSCHEI
    if build.real and build.package.collection.secondary_mode:
        return config["secondary_koji_config"]
    return config["koji_config"]


#: the longest reason ``Build.infra_failure`` holds (longer ones are cut)
INFRA_FAILURE_MAX = 255


class BuildQuerySet(models.QuerySet["Build"]):
    def running(self) -> BuildQuerySet:
        return self.filter(state=BuildState.RUNNING)

    def unprocessed(self) -> BuildQuerySet:
        """Builds whose dependencies the build resolver has yet to resolve (never an
        infrastructure failure: it built nothing, so it is no baseline)."""
        return self.filter(deps_resolved__isnull=True, repo_id__isnull=False, infra_failure="")

    def infra_failures(self) -> BuildQuerySet:
        return self.exclude(infra_failure="")


class Build(models.Model):
    """A Koji build (scratch, submitted by Koschei, or real) of a package's SRPM."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="builds")
    state = models.IntegerField(choices=BuildState.choices, default=BuildState.RUNNING)
    task_id = models.IntegerField()
    started = models.DateTimeField()
    finished = models.DateTimeField(null=True, blank=True)
    epoch = models.IntegerField(null=True, blank=True)
    version = models.CharField(max_length=255, null=True, blank=True)
    release = models.CharField(max_length=255, null=True, blank=True)
    repo_id = models.IntegerField(null=True, blank=True)
    # Set by the last-build trigger, never from Python.
    last_complete = models.BooleanField(default=False)
    cancel_requested = models.BooleanField(default=False)
    deps_resolved = models.BooleanField(null=True, blank=True)
    real = models.BooleanField(default=False)
    untagged = models.BooleanField(default=False)
    dependency_keys = models.BinaryField(null=True, blank=True, editable=False)
    # DESIGN 13.3: why Koji, not the package, failed this build (a fault of Koji's, or its
    # task lost or canceled in Koji); empty for every other build.  Such a FAILED build
    # counts for nothing: the last-build triggers pass over it (migration 0006), so the
    # package keeps its state and priorities, and the scheduler retries it with backoff.
    infra_failure = models.CharField(
        max_length=INFRA_FAILURE_MAX, blank=True, default="", db_default=""
    )

    objects = BuildQuerySet.as_manager()

    class Meta:
        db_table = "build"
        ordering = ["-started", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=BuildState.values), name="build_state_valid"
            ),
            # An infrastructure failure may have ended before Koji chose a repo.
            models.CheckConstraint(
                condition=Q(state=BuildState.RUNNING)
                | ~Q(infra_failure="")
                | Q(version__isnull=False, release__isnull=False, repo_id__isnull=False),
                name="build_finished_has_nvr_and_repo",
            ),
            models.CheckConstraint(
                condition=Q(infra_failure="") | Q(state=BuildState.FAILED, real=False),
                name="build_infra_failure_failed",
            ),
            models.CheckConstraint(
                condition=Q(real=False) | ~Q(state=BuildState.RUNNING),
                name="build_real_not_running",
            ),
        ]
        indexes = [
            models.Index(fields=["package", "-started"], name="ix_build_composite"),
            models.Index(
                fields=["task_id"],
                condition=Q(deps_resolved__isnull=True, repo_id__isnull=False),
                name="ix_builds_unprocessed",
            ),
            models.Index(
                fields=["package", "task_id"],
                condition=Q(last_complete=True),
                name="ix_builds_last_complete",
            ),
            # The scheduler counts running builds on every decision.
            models.Index(
                fields=["state"], condition=Q(state=BuildState.RUNNING), name="ix_build_running"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.package.name}-{self.version}-{self.release} (task {self.task_id})"

    @property
    def state_string(self) -> str:
        return BuildState(self.state).label

    @property
    def is_infra_failure(self) -> bool:
        return bool(self.infra_failure)

    @property
    def srpm_nvra(self) -> dict[str, object]:
        """The NVRA of this build's own SRPM (the build resolver fetches its requires)."""
        return srpm_nvra(self.package.name, self.version, self.release)

    @property
    def dependency_ids(self) -> list[int]:
        return decode_keys(self.dependency_keys)

    @property
    def taskinfo_url(self) -> str:
        return f"{koji_config_for(self)['weburl']}/taskinfo?taskID={self.task_id}"


class KojiTask(models.Model):
    """A buildArch child task of a build's Koji task."""

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="tasks")
    task_id = models.IntegerField()
    arch = models.CharField(max_length=64)
    state = models.IntegerField(choices=KojiTaskState.choices)
    started = models.DateTimeField()
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "koji_task"
        ordering = ["arch", "task_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=KojiTaskState.values), name="koji_task_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.arch} task {self.task_id}"

    @property
    def state_string(self) -> str:
        return KojiTaskState(self.state).label

    @property
    def results_url(self) -> str:
        topurl = koji_config_for(self.build)["topurl"]
        return f"{topurl}/work/tasks/{self.task_id % 10000}/{self.task_id}"

    @property
    def taskinfo_url(self) -> str:
        return f"{koji_config_for(self.build)['weburl']}/taskinfo?taskID={self.task_id}"
