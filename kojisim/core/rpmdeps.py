"""RPM dependency relations: parsing "name >= evr" strings, RPMSENSE flags, EVR comparison."""

from __future__ import annotations

import sys
from typing import NamedTuple

import rpm

#: the dependency relations an RPM header carries, in Koji's and createrepo_c's naming
DEP_KINDS = (
    "provides",
    "requires",
    "recommends",
    "suggests",
    "supplements",
    "enhances",
    "obsoletes",
    "conflicts",
)

RPMSENSE_LESS = 2
RPMSENSE_GREATER = 4
RPMSENSE_EQUAL = 8
RPMSENSE_SENSEMASK = RPMSENSE_LESS | RPMSENSE_GREATER | RPMSENSE_EQUAL
#: rpmlib() dependencies carry this bit (RPMSENSE_RPMLIB); Koschei filters them out.
RPMSENSE_RPMLIB = 1 << 24

_OPS = {
    "<": RPMSENSE_LESS,
    ">": RPMSENSE_GREATER,
    "=": RPMSENSE_EQUAL,
    "==": RPMSENSE_EQUAL,
    "<=": RPMSENSE_LESS | RPMSENSE_EQUAL,
    "=<": RPMSENSE_LESS | RPMSENSE_EQUAL,
    ">=": RPMSENSE_GREATER | RPMSENSE_EQUAL,
    "=>": RPMSENSE_GREATER | RPMSENSE_EQUAL,
}
#: createrepo_c / repodata flag names
_CR_FLAGS = {
    RPMSENSE_LESS: "LT",
    RPMSENSE_GREATER: "GT",
    RPMSENSE_EQUAL: "EQ",
    RPMSENSE_LESS | RPMSENSE_EQUAL: "LE",
    RPMSENSE_GREATER | RPMSENSE_EQUAL: "GE",
}
_CR_FLAGS_REV = {value: key for key, value in _CR_FLAGS.items()}


class Dep(NamedTuple):
    """One dependency relation as stored in an RPM header (name, flags, "[E:]V[-R]")."""

    name: str
    flags: int = 0
    version: str = ""

    def __str__(self) -> str:
        op = flags_to_op(self.flags)
        return f"{self.name} {op} {self.version}" if op and self.version else self.name


def flags_to_op(flags: int) -> str:
    """Operator string for the sense bits of ``flags`` ("" when unversioned)."""
    sense = flags & RPMSENSE_SENSEMASK
    out = ""
    if sense & RPMSENSE_LESS:
        out += "<"
    if sense & RPMSENSE_GREATER:
        out += ">"
    if sense & RPMSENSE_EQUAL:
        out += "="
    return out


def parse_dep(text: str) -> Dep:
    """Parse "name", "name >= 1:2.0-3" or a rich dependency "(a or b)"."""
    text = " ".join(str(text).split())
    if text.startswith("("):
        return Dep(sys.intern(text))
    parts = text.split(" ")
    if len(parts) == 3 and parts[1] in _OPS:
        return Dep(sys.intern(parts[0]), _OPS[parts[1]], parts[2])
    if len(parts) == 1:
        return Dep(sys.intern(parts[0]))
    raise ValueError(f"cannot parse dependency {text!r}")


def parse_deps(items: list[str] | tuple[str, ...] | None) -> tuple[Dep, ...]:
    """Parse a list of dependency strings."""
    return tuple(parse_dep(item) for item in items or ())


def split_evr(evr: str) -> tuple[str | None, str, str | None]:
    """Split "[E:]V[-R]" into (epoch, version, release)."""
    epoch: str | None = None
    if ":" in evr:
        epoch, evr = evr.split(":", 1)
    release: str | None = None
    if "-" in evr:
        evr, release = evr.rsplit("-", 1)
    return epoch, evr, release


def join_evr(epoch: int | str | None, version: str, release: str | None) -> str:
    """Build "[E:]V[-R]" (epoch omitted when unset)."""
    out = f"{epoch}:{version}" if epoch not in (None, "") else version
    return f"{out}-{release}" if release else out


def dep_to_cr(dep: Dep) -> tuple[str, str | None, str | None, str | None, str | None, bool]:
    """Dependency in createrepo_c's tuple form (name, flags, epoch, ver, rel, pre)."""
    if not dep.flags & RPMSENSE_SENSEMASK or not dep.version:
        return (dep.name, None, None, None, None, False)
    epoch, version, release = split_evr(dep.version)
    return (
        dep.name,
        _CR_FLAGS[dep.flags & RPMSENSE_SENSEMASK],
        epoch or "0",
        version,
        release,
        False,
    )


def dep_from_cr(entry: tuple[object, ...]) -> Dep:
    """Dependency from createrepo_c's tuple form."""
    name = sys.intern(str(entry[0]))
    flags = entry[1]
    if not flags:
        return Dep(name)
    epoch, version, release = entry[2], entry[3], entry[4]
    evr = join_evr(None if epoch in (None, "0") else str(epoch), str(version or ""), release)  # type: ignore[arg-type]
    return Dep(name, _CR_FLAGS_REV.get(str(flags), 0), evr)


def compare_evr(left: str, right: str) -> int:
    """rpmvercmp of two "[E:]V[-R]" strings; a missing release on either side matches any."""
    le, lv, lr = split_evr(left)
    re_, rv, rr = split_evr(right)
    if lr is None or rr is None:
        lr = rr = ""
    return int(rpm.labelCompare((le or "0", lv, lr or ""), (re_ or "0", rv, rr or "")))


def evr_matches(provided: str, flags: int, required: str) -> bool:
    """Whether a provided EVR satisfies "<op> required"."""
    sense = flags & RPMSENSE_SENSEMASK
    if not sense or not required:
        return True
    if not provided:
        return True
    cmp = compare_evr(provided, required)
    return bool(
        (cmp < 0 and sense & RPMSENSE_LESS)
        or (cmp > 0 and sense & RPMSENSE_GREATER)
        or (cmp == 0 and sense & RPMSENSE_EQUAL)
    )


def ranges_overlap(provide: Dep, require: Dep) -> bool:
    """Whether a Provides entry satisfies a Requires entry with the same name."""
    if provide.name != require.name:
        return False
    if not provide.flags & RPMSENSE_SENSEMASK or not provide.version:
        return True
    if provide.flags & RPMSENSE_SENSEMASK == RPMSENSE_EQUAL:
        return evr_matches(provide.version, require.flags, require.version)
    # versioned non-equal provides are rare; accept them for a simple resolver
    return True
