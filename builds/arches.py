"""Architecture rules of Koji's build daemon, as pure functions (spec section 3.2.1).

Given a tag's arches, an SRPM's BuildArch / ExclusiveArch / ExcludeArch headers and a
package's arch override, tell which arches a scratch build may run on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

# (pattern, canonical arch), first match wins; mirrors Koji's canonArch.
CANONICAL_ARCHES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), canonical)
    for pattern, canonical in (
        (r"i.86|athlon", "i386"),
        (r"ia32e", "x86_64"),
        (r"ppc64le", "ppc64le"),
        (r"ppc64.*", "ppc64"),
        (r"sparc64.*", "sparc64"),
        (r"sparc.*", "sparc"),
        (r"alpha.*", "alpha"),
        (r"arm.*h.*", "armhfp"),
        (r"arm.*", "arm"),
    )
)


def canon_arch(arch: str) -> str:
    """Koji's canonical name of an arch label (``i686`` -> ``i386``)."""
    for pattern, canonical in CANONICAL_ARCHES:
        if pattern.fullmatch(arch):
            return canonical
    return arch


def _header(headers: Mapping[str, object], name: str) -> list[str]:
    value = headers.get(name) or []
    return [str(v) for v in (value if isinstance(value, list | tuple) else [value])]


def srpm_arches(
    *,
    tag_arches: Sequence[str],
    headers: Mapping[str, object],
    arch_override: str | None,
    build_arches: Iterable[str],
) -> set[str]:
    """The arches to build an SRPM on; ``noarch`` stays when the SRPM allows it.

    ``headers`` holds BUILDARCHS, EXCLUSIVEARCH and EXCLUDEARCH as getRPMHeaders returns
    them; ``build_arches`` are the arches Koschei may use (koji_config.build_arches).
    """
    buildarchs = _header(headers, "BUILDARCHS")
    exclusive = _header(headers, "EXCLUSIVEARCH")
    exclude = _header(headers, "EXCLUDEARCH")
    archlist = list(buildarchs or tag_arches)
    if exclusive:
        archlist = [a for a in archlist if a in exclusive]
    if exclude:
        archlist = [a for a in archlist if a not in exclude]
    if "noarch" not in exclude and ("noarch" in buildarchs or "noarch" in exclusive):
        archlist.append("noarch")
    archlist = apply_arch_override(archlist, arch_override)
    allowed = {canon_arch(a) for a in tag_arches} & {canon_arch(a) for a in build_arches}
    return {a for a in archlist if a == "noarch" or canon_arch(a) in allowed}


def apply_arch_override(archlist: list[str], arch_override: str | None) -> list[str]:
    """``^a b`` removes arches (by canonical name); ``a b`` replaces the list."""
    if not arch_override:
        return archlist
    items = arch_override.split()
    if arch_override.startswith("^"):
        excluded = {canon_arch(item.lstrip("^")) for item in items}
        return [a for a in archlist if canon_arch(a) not in excluded]
    return items


def koji_load(
    *, hosts: Sequence[Mapping[str, object]], all_arches: Sequence[str], arches: Iterable[str]
) -> float:
    """Load of Koji's hosts for a build's arches (spec section 3.2.2), 0.0 to 1.0.

    noarch builds may run anywhere, so the least loaded arch counts; otherwise the
    most loaded one.
    """
    arches = set(arches)
    noarch = "noarch" in arches
    loads = [
        _arch_load(hosts, canon_arch(a))
        for a in (all_arches if noarch else arches)
        if a != "noarch"
    ]
    if not loads:
        return 1.0
    return min(loads) if noarch else max(loads)


def _arch_load(hosts: Sequence[Mapping[str, object]], arch: str) -> float:
    capacity = load = 0.0
    for host in hosts:
        if arch not in str(host.get("arches") or "").split():
            continue
        host_capacity = float(host.get("capacity") or 0)  # type: ignore[arg-type]
        capacity += host_capacity
        task_load = float(host.get("task_load") or 0)  # type: ignore[arg-type]
        load += min(task_load, host_capacity) if host.get("ready") else host_capacity
    return load / capacity if capacity else 1.0
