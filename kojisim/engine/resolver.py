"""A small dependency resolver for simulated buildroots.

It installs the build group and the BuildRequires from one repo arch, then follows Requires
(and Recommends unless weak deps are ignored), picking one provider per requirement: an
already installed one, else a package of the required name, else the highest version.  That
is enough to decide rules such as "fails when bar >= 3 is in the buildroot" and to write a
plausible root.log; it does not aim to match libsolv.
"""

from __future__ import annotations

import functools
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import rpm as rpmlib

from kojisim.core.model import Rpm
from kojisim.core.rpmdeps import Dep, evr_matches, join_evr, parse_dep, ranges_overlap


class RepoIndex:
    """Provides/files/name index over the packages of one repo arch."""

    def __init__(self, rpms: Iterable[Rpm]) -> None:
        self.rpms = list(rpms)
        self.provides: dict[str, list[tuple[Rpm, Dep]]] = defaultdict(list)
        self.files: dict[str, list[Rpm]] = defaultdict(list)
        for rpm in self.rpms:
            for dep in rpm.provides:
                self.provides[dep.name].append((rpm, dep))
            for path in rpm.files:
                self.files[path].append(rpm)

    def providers(self, dep: Dep) -> list[Rpm]:
        found = [rpm for rpm, prov in self.provides.get(dep.name, ()) if ranges_overlap(prov, dep)]
        if dep.name.startswith("/"):
            found += self.files.get(dep.name, [])
        return list({rpm.id: rpm for rpm in found}.values())


@dataclass
class Resolution:
    installed: list[Rpm] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    def has(self, requirement: str) -> Rpm | None:
        """An installed package whose name matches "name <op> evr"."""
        dep = parse_dep(requirement)
        for rpm in self.installed:
            evr = join_evr(rpm.epoch, rpm.version, rpm.release)
            if rpm.name == dep.name and evr_matches(evr, dep.flags, dep.version):
                return rpm
        return None


def _evr_key(rpm: Rpm) -> tuple[str, str, str]:
    return (str(rpm.epoch or 0), rpm.version, rpm.release)


def _best(candidates: list[Rpm], dep: Dep) -> Rpm:
    def cmp(a: Rpm, b: Rpm) -> int:
        if (a.name == dep.name) != (b.name == dep.name):
            return -1 if a.name == dep.name else 1
        by_evr = int(rpmlib.labelCompare(_evr_key(b), _evr_key(a)))
        return by_evr or (a.id - b.id)

    return sorted(candidates, key=functools.cmp_to_key(cmp))[0]


def _tokens(text: str) -> list[str]:
    """Split a rich dependency; parentheses inside names such as pkgconfig(x) stay put."""
    out: list[str] = []
    for word in text.split():
        while word.startswith("("):
            out.append("(")
            word = word[1:]
        closes = 0
        while word.endswith(")") and word.count(")") > word.count("("):
            word = word[:-1]
            closes += 1
        if word:
            out.append(word)
        out += [")"] * closes
    return out


def _rich_alternatives(text: str) -> list[list[str]]:
    """Rich dependency as a list of alternatives, each a list of plain requirements.

    Supports nested ``and``/``or``; ``if``/``unless``/``with``/``without`` keep their first
    operand, which is what a buildroot usually ends up needing.
    """
    tokens = _tokens(text)
    pos = 0

    def expr() -> list[list[str]]:
        nonlocal pos
        if tokens[pos] == "(":
            pos += 1
            left = expr()
            while tokens[pos] != ")":
                op = tokens[pos]
                pos += 1
                right = expr()
                if op == "or":
                    left = left + right
                elif op == "and":
                    left = [a + b for a in left for b in right]
            pos += 1
            return left
        parts = [tokens[pos]]
        pos += 1
        if pos + 1 < len(tokens) and tokens[pos] in ("<", ">", "=", "<=", ">=", "=="):
            parts += tokens[pos : pos + 2]
            pos += 2
        return [[" ".join(parts)]]

    return expr()


class Resolver:
    """Resolves a buildroot against a RepoIndex."""

    def __init__(self, index: RepoIndex, ignore_weak: bool = True) -> None:
        self.index = index
        self.ignore_weak = ignore_weak

    def resolve(self, build_requires: Iterable[Dep], group: Iterable[str]) -> Resolution:
        result = Resolution()
        installed: dict[int, Rpm] = {}
        queue: deque[tuple[Dep, bool]] = deque()
        for name in group:
            candidates = self.index.providers(parse_dep(name))
            if candidates:
                queue.append((parse_dep(name), False))
        queue.extend((dep, True) for dep in build_requires)
        while queue:
            dep, report = queue.popleft()
            for pkg in self._satisfy(dep, installed, result, report):
                installed[pkg.id] = pkg
                queue.extend((req, True) for req in pkg.requires)
                if not self.ignore_weak:
                    queue.extend((req, False) for req in pkg.recommends)
        result.installed = sorted(installed.values(), key=lambda r: r.name)
        return result

    def _satisfy(
        self, dep: Dep, installed: dict[int, Rpm], result: Resolution, report: bool
    ) -> list[Rpm]:
        if dep.name.startswith("rpmlib(") or dep.name.startswith("("):
            if dep.name.startswith("("):
                return self._satisfy_rich(dep.name, installed, result, report)
            return []
        candidates = self.index.providers(dep)
        if any(c.id in installed for c in candidates):
            return []
        if not candidates:
            if report and str(dep) not in result.missing:
                result.missing.append(str(dep))
            return []
        return [_best(candidates, dep)]

    def _satisfy_rich(
        self, text: str, installed: dict[int, Rpm], result: Resolution, report: bool
    ) -> list[Rpm]:
        for alternative in _rich_alternatives(text):
            deps = [parse_dep(item) for item in alternative]
            choices = [self.index.providers(dep) for dep in deps]
            if all(choices):
                picked = []
                for dep, candidates in zip(deps, choices, strict=True):
                    if not any(c.id in installed for c in candidates):
                        picked.append(_best(candidates, dep))
                return picked
        if report and text not in result.missing:
            result.missing.append(text)
        return []
