"""Models of the resolution app."""

from resolution.models.changes import AppliedChange, UnappliedChange
from resolution.models.dependency import Dependency
from resolution.models.results import (
    BuildrootProblem,
    ResolutionChange,
    ResolutionProblem,
)
from resolution.models.runs import (
    PackageResolution,
    ResolutionChunk,
    ResolutionRun,
    RunKind,
    RunState,
    SrpmRequires,
)

__all__ = [
    "AppliedChange",
    "BuildrootProblem",
    "Dependency",
    "PackageResolution",
    "ResolutionChange",
    "ResolutionChunk",
    "ResolutionProblem",
    "ResolutionRun",
    "RunKind",
    "RunState",
    "SrpmRequires",
    "UnappliedChange",
]
