"""Dependency resolution with hawkey, no Django.  The only package that imports ``hawkey``.

- ``sack``: loading a cached repo into a hawkey sack (solv cache), NEVRAs, install sets;
- ``goal``: upstream's ``run_goal`` exactly, exact distances, the memoizing ``Depsolver``;
- ``graph``: the distances' provider graph on integer arrays and its compiled search;
- ``changes``: dependency changes between two buildroots and their priority;
- ``incremental``: which packages a repo change may affect;
- ``richdeps``: rich dependencies parsed and evaluated (pure Python).
"""

from resolution.depsolve.changes import (
    DependencyChange,
    changes_to,
    dependency_changes,
    dependency_priority,
)
from resolution.depsolve.goal import (
    Depsolver,
    GoalResult,
    Request,
    Resolution,
    ResolvedDependency,
    SolverClock,
    canonical_problems,
    format_problem,
    run_goal,
)
from resolution.depsolve.incremental import (
    ChangeImpact,
    RepoDiff,
    diff_sacks,
    may_be_affected,
    package_identities,
)
from resolution.depsolve.richdeps import capability_names
from resolution.depsolve.sack import (
    DEFAULT_ARCH,
    InstallSet,
    Nevra,
    SackError,
    SackLoad,
    install_set,
    load_sack,
    nevra_index,
)

__all__ = [
    "DEFAULT_ARCH",
    "ChangeImpact",
    "DependencyChange",
    "Depsolver",
    "GoalResult",
    "InstallSet",
    "Nevra",
    "RepoDiff",
    "Request",
    "Resolution",
    "ResolvedDependency",
    "SackError",
    "SackLoad",
    "SolverClock",
    "canonical_problems",
    "capability_names",
    "changes_to",
    "dependency_changes",
    "dependency_priority",
    "diff_sacks",
    "format_problem",
    "install_set",
    "load_sack",
    "may_be_affected",
    "nevra_index",
    "package_identities",
    "run_goal",
]
