"""Models of the builds app."""

from builds.models.build import Build, BuildQuerySet, KojiTask
from builds.models.claims import SubmissionClaim
from builds.models.repo_mapping import RepoMapping
from builds.models.stats import CollectionStats, ResourceConsumptionStats, ScalarStats

__all__ = [
    "Build",
    "BuildQuerySet",
    "CollectionStats",
    "KojiTask",
    "RepoMapping",
    "ResourceConsumptionStats",
    "ScalarStats",
    "SubmissionClaim",
]
