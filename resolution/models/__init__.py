"""Models of the resolution app."""

from resolution.models.changes import AppliedChange, UnappliedChange
from resolution.models.dependency import Dependency
from resolution.models.results import (
    BuildrootProblem,
    RepoMapping,
    ResolutionChange,
    ResolutionProblem,
)

__all__ = [
    "AppliedChange",
    "BuildrootProblem",
    "Dependency",
    "RepoMapping",
    "ResolutionChange",
    "ResolutionProblem",
    "UnappliedChange",
]
