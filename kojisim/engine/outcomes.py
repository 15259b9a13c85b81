"""Build-outcome rules and the texts a build leaves behind (faults, root.log, build.log).

A rule matches packages by name (shell glob) and optionally by arch, and says how long a
buildArch task takes and when it fails: always, with a probability drawn from a seeded RNG,
or when a dependency in the resolved buildroot matches a version range.  The kind of failure
decides the fault: an ordinary build failure (BuildError), a buildroot failure, or an
infrastructure fault (LockError 1001, a raw XML-RPC fault with code 1) that Koschei must not
count against the package.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kojisim.core.model import Rpm
from kojisim.core.util import glob_match
from kojisim.engine.resolver import Resolution

BUILD_FAILED = (
    "error building package (arch {arch}), mock exited with status 1; "
    "see build.log for more information"
)
BUILDROOT_FAILED = (
    "error building package (arch {arch}), mock exited with status 30; "
    "see root.log for more information"
)
RAW_FAULT = (
    "Traceback (most recent call last):\n"
    '  File "/usr/lib/python3.12/site-packages/koji/daemon.py", line 1385, in runTask\n'
    "    response = (handler.run(),)\n"
    "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: "
    "https://kojipkgs.example/repos/{tag}/{repo_id}/{arch}/repodata/repomd.xml\n"
)
LOCK_FAULT = "Unable to obtain lock on buildroot for task {task_id}"


@dataclass
class Rule:
    package: str = "*"
    arch: str | None = None
    duration: float | None = None
    fail: bool = False
    fail_when: list[str] = field(default_factory=list)
    fail_probability: float = 0.0
    fault: Any = "build"
    message: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        fail_when = data.get("fail_when") or []
        return cls(
            package=str(data.get("package", "*")),
            arch=data.get("arch"),
            duration=None if data.get("duration") is None else float(data["duration"]),
            fail=bool(data.get("fail", False)),
            fail_when=[fail_when] if isinstance(fail_when, str) else [str(x) for x in fail_when],
            fail_probability=float(data.get("fail_probability", data.get("probability", 0.0))),
            fault=data.get("fault", "build"),
            message=data.get("message"),
        )

    def matches(self, package: str, arch: str) -> bool:
        return glob_match(self.package, package) and glob_match(self.arch, arch)


@dataclass
class EngineConfig:
    build_duration: float = 60.0
    srpm_duration: float = 10.0
    assign_delay: float = 1.0
    seed: int = 0
    ignore_weak_deps: bool = True
    rules: list[Rule] = field(default_factory=list)


@dataclass
class Outcome:
    duration: float
    fault: tuple[int, str] | None = None
    reason: str = ""


def fault_for(kind: Any, context: dict[str, Any]) -> tuple[int, str]:
    """(faultCode, faultString) for a failure kind."""
    if isinstance(kind, dict):
        return int(kind.get("code", 1005)), str(kind.get("string", "simulated failure")).format(
            **context
        )
    if kind == "lock":
        return 1001, LOCK_FAULT.format(**context)
    if kind == "raw":
        return 1, RAW_FAULT.format(**context)
    if kind == "buildroot":
        return 1005, BUILDROOT_FAILED.format(**context)
    return 1005, BUILD_FAILED.format(**context)


def decide(
    config: EngineConfig,
    task_id: int,
    package: str,
    arch: str,
    resolution: Resolution,
    context: dict[str, Any],
) -> Outcome:
    """Duration and failure of one buildArch task (deterministic for a seed and task id)."""
    rng = random.Random(f"{config.seed}:{task_id}")
    rules = [rule for rule in config.rules if rule.matches(package, arch)]
    duration = next((r.duration for r in rules if r.duration is not None), config.build_duration)
    outcome = Outcome(duration)
    if not resolution.ok:
        outcome.fault = fault_for("buildroot", context)
        outcome.reason = "No matching package to install: " + ", ".join(resolution.missing)
        return outcome
    for rule in rules:
        reason = _rule_reason(rule, resolution, rng)
        if reason:
            outcome.fault = fault_for(rule.fault, context)
            outcome.reason = rule.message or reason
            break
    return outcome


def _rule_reason(rule: Rule, resolution: Resolution, rng: random.Random) -> str:
    if rule.fail:
        return "build failed (rule)"
    for requirement in rule.fail_when:
        found = resolution.has(requirement)
        if found is not None:
            return f"build failed: buildroot contains {found.nvra} ({requirement})"
    if rule.fail_probability and rng.random() < rule.fail_probability:
        return "build failed (random failure)"
    return ""


def write_root_log(path: Path, arch: str, resolution: Resolution, repo_url: str) -> None:
    lines = [
        f"DEBUG util.py:446:  Using repo {repo_url}",
        f"DEBUG util.py:446:  Installing buildroot for {arch}",
    ]
    lines += [f"DEBUG util.py:446:   {rpm.nvra}" for rpm in resolution.installed]
    if resolution.missing:
        lines += [
            f"DEBUG util.py:446:  No matching package to install: '{m}'" for m in resolution.missing
        ]
        lines.append("DEBUG util.py:446:  Not all dependencies satisfied")
        lines.append("DEBUG util.py:446:  Error: Some packages could not be found.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def write_build_log(
    path: Path, nvr: str, arch: str, outcome: Outcome | None, rpms: list[Rpm]
) -> None:
    lines = [
        f"Building target platforms: {arch}",
        f"Building for target {arch}",
        f"Executing(%prep) for {nvr}",
    ]
    if outcome is not None and outcome.fault is not None:
        lines += [
            f"error: {outcome.reason}",
            "RPM build errors:",
            f"    {outcome.reason}",
            "Child return code was: 1",
        ]
    elif outcome is not None:
        lines += ["Executing(%build)", "Executing(%install)", "Executing(%check)"]
        lines += [f"Wrote: /builddir/build/RPMS/{rpm.nvra}.rpm" for rpm in rpms]
        lines.append("Child return code was: 0")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
