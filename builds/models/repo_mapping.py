"""Secondary mode: which primary Koji repo mirrors a secondary Koji repo."""

from __future__ import annotations

from django.db import models


class RepoMapping(models.Model):
    """A secondary Koji repo and the primary repo made for it by the primary's newRepo task.

    A collection in secondary mode resolves against the secondary's repos but builds on
    the primary, in the primary repo mapped to the secondary repo it resolved
    (``builds.services.repo_mappings``).  ``primary_id`` is NULL until the task finished;
    ``failures`` counts newRepo tasks that failed or vanished and were replaced.
    """

    secondary_id = models.IntegerField(primary_key=True)
    primary_id = models.IntegerField(null=True, blank=True)
    task_id = models.IntegerField()
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "repo_mapping"

    def __str__(self) -> str:
        return f"{self.secondary_id} -> {self.primary_id}"
