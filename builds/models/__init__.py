"""Models of the builds app."""

from builds.models.build import Build, BuildQuerySet, KojiTask
from builds.models.claims import SubmissionClaim
from builds.models.stats import ResourceConsumptionStats, ScalarStats

__all__ = [
    "Build",
    "BuildQuerySet",
    "KojiTask",
    "ResourceConsumptionStats",
    "ScalarStats",
    "SubmissionClaim",
]
