"""BuildRequires, optional dependency features, alternatives and deliberate breakage.

Every feature keeps the distribution installable: weak deps only name existing
packages, rich deps are satisfiable, versioned conflicts target versions older than
the ones in the repo, obsoletes name retired package names, and alternatives are
only ever required through their virtual provide or an "(a or b)". The only
unresolvable sources are the ones ``break_some`` records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from .model import ISA, NOARCH, Binary, Source
from .templates import completion_binary, linked_requires

if TYPE_CHECKING:
    from .distro import DistroBuilder

BUILD_SYSTEMS = (
    (("make",), 60),
    (("cmake", "make"), 18),
    (("meson", "/usr/bin/ninja"), 12),
    (("autoconf", "automake", "libtool", "make"), 10),
)
VIRTUALS = (
    "mta", "webserver", "sql-server", "java-headless", "tex-engine", "print-spooler",
    "sound-server", "ntp-daemon", "syslog", "cron-daemon", "display-manager", "imap-server",
    "dns-resolver", "ssh-agent", "pdf-renderer",
)  # fmt: skip
INTERPRETERS = ("/usr/bin/python3", "/usr/bin/sh", "/usr/bin/perl", "/usr/bin/bash")


def prefix(rng: random.Random, version: str) -> str:
    """A version no newer than ``version``: one of its leading component runs."""
    parts = version.split(".")
    return ".".join(parts[: rng.randint(1, len(parts))])


def build_requires(builder: DistroBuilder, source: Source) -> list[str]:
    """The BuildRequires of a source, in the mixed styles real spec files use."""
    rng = builder.rng
    brs: list[str] = []
    if source.kind == "python":
        brs += ["python3-devel", "python3dist(setuptools)"]
    elif source.kind == "perl":
        brs += ["perl-generators", "perl-interpreter", "perl(ExtUtils::MakeMaker)"]
    if any(binary.arch != NOARCH for binary in source.binaries) and source.kind != "data":
        brs += rng.choice((["gcc"], ["gcc"], ["gcc-c++"], ["gcc", "gcc-c++"]))
        brs += _build_system(builder)
    brs += [devel_ref(builder, library) for library in source.links]
    brs += [_module_ref(rng, dep) for dep in source.module_deps]
    if source.layer > 0 and source.kind not in ("python", "perl"):
        for tool in builder.tools.pick(rng, rng.choice((0, 0, 1, 1, 2))):
            path = rng.choice(tool.tools)
            path_form = rng.random() < _tool_path_rate(builder, tool)
            brs.append(path if path_form else builder.tool_owner[path])
    return list(dict.fromkeys(brs))


def _tool_path_rate(builder: DistroBuilder, tool: Source) -> float:
    profile = builder.profile
    if tool.layer == 0 or profile.middle_tool_path_rate is None:
        return profile.tool_path_rate
    return profile.middle_tool_path_rate


def _build_system(builder: DistroBuilder) -> list[str]:
    owners = builder.binary_owner, builder.tool_owner
    usable = [
        (items, weight)
        for items, weight in BUILD_SYSTEMS
        if all(any(item in owner for owner in owners) for item in items)
    ]
    if not usable:
        return []
    return list(builder.rng.choices([i for i, _ in usable], [w for _, w in usable])[0])


def devel_ref(builder: DistroBuilder, library: Source) -> str:
    """One way of asking for a library's development files."""
    rng = builder.rng
    devel = library.devel or library.main
    form = rng.random()
    versioned_pc = library.kind == "library" and library.pc
    if form < 0.36 or not library.pc:
        return devel
    if form < 0.64:
        return f"pkgconfig({library.pc})"
    if form < 0.76:
        return f"{devel} >= {library.at_least(prefix(rng, library.version))}"
    if form < 0.86 and versioned_pc:
        return f"pkgconfig({library.pc}) >= {prefix(rng, library.version)}"
    if form < 0.91:
        other = builder.libraries.pick(rng, 1)
        if other and other[0] is not library:
            return f"({devel} or {other[0].devel})"
    if form < 0.95:
        return f"({devel} if {rng.choice(('gcc', 'bash', 'rpm-build'))})"
    if form < 0.98:
        keep = builder.profile.library_path_rate
        if keep is not None and rng.random() >= keep:
            return devel
        files = library.binary(devel).files
        return next((path for path in files if path.endswith(".so")), devel)
    return f"{devel}({ISA})"


def _module_ref(rng: random.Random, dep: Source) -> str:
    if dep.kind == "perl":
        return f"perl({dep.module})" if rng.random() < 0.8 else dep.main
    form = rng.random()
    if form < 0.6:
        return f"python3dist({dep.module})"
    if form < 0.8:
        return f"python3dist({dep.module}) >= {prefix(rng, dep.version)}"
    return dep.main


def _lower(builder: DistroBuilder) -> str | None:
    pool = builder.libraries if builder.rng.random() < 0.7 else builder.tools
    picked = pool.pick(builder.rng, 1)
    return picked[0].main if picked else None


def _weak(kind: str) -> Callable[[DistroBuilder, Source], bool]:
    def feature(builder: DistroBuilder, source: Source) -> bool:
        target = _lower(builder)
        if target is None:
            return False
        getattr(source.binaries[0], kind).append(target)
        return True

    return feature


def _range(builder: DistroBuilder, source: Source) -> bool:
    """A bounded requirement, as Rust and Go packages write them."""
    if not source.links:
        return False
    lib = source.links[0]
    low = lib.at_least(prefix(builder.rng, lib.version))
    high = lib.at_least(str(int(lib.version.split(".")[0]) + 1))
    source.binaries[0].requires.append(f"({lib.main} >= {low} with {lib.main} < {high})")
    return True


def _conditional(builder: DistroBuilder, source: Source) -> bool:
    wanted, condition = _lower(builder), _lower(builder)
    if wanted is None or condition is None or wanted == condition:
        return False
    source.binaries[0].requires.append(f"({wanted} if {condition})")
    return True


def _old_conflict(builder: DistroBuilder, source: Source) -> bool:
    """A conflict with versions older than the one in the repo: harmless today."""
    if not source.links:
        return False
    lib = source.links[-1]
    oldest = lib.at_least(lib.version.split(".")[0])
    source.binaries[0].conflicts.append(f"{lib.main} < {oldest}")
    return True


def _rename_history(builder: DistroBuilder, source: Source) -> bool:
    """Provides and obsoletes of a retired name, as after a package rename."""
    main = source.binaries[0]
    old = main.name + builder.rng.choice(("-compat", "-legacy", "-gtk2", "-qt5", "-common"))
    if old in builder.names.taken:
        return False
    builder.names.taken.add(old)
    main.provides.append(f"{old} = {source.evr}")
    main.obsoletes.append(f"{old} < {source.evr}")
    return True


def _script(builder: DistroBuilder, source: Source) -> bool:
    source.binaries[0].requires.append(builder.rng.choice(INTERPRETERS))
    return True


def _alternative_user(builder: DistroBuilder, source: Source) -> bool:
    if not builder.alternatives:
        return False
    virtual, (first, second) = builder.rng.choice(builder.alternatives)
    dep = virtual if builder.rng.random() < 0.5 else f"({first} or {second})"
    source.binaries[0].requires.append(dep)
    return True


def _completion(builder: DistroBuilder, source: Source) -> bool:
    """A shell completion subpackage, which Supplements its application."""
    binary = completion_binary(source)
    if source.kind != "application" or binary.name in builder.binary_owner:
        return False
    source.binaries.append(binary)
    builder.binary_owner[binary.name] = source
    builder.names.taken.add(binary.name)
    return True


Feature = Callable[["DistroBuilder", Source], bool]
FEATURES: tuple[tuple[str, float, Feature], ...] = (
    ("recommends", 0.15, _weak("recommends")),
    ("suggests", 0.05, _weak("suggests")),
    ("enhances", 0.02, _weak("enhances")),
    ("range", 0.05, _range),
    ("conditional", 0.03, _conditional),
    ("conflicts", 0.03, _old_conflict),
    ("obsoletes", 0.03, _rename_history),
    ("script", 0.06, _script),
    ("alternative", 0.04, _alternative_user),
    ("supplements", 0.0, _completion),  # the application template adds them already
)
WEAK = ("recommends", "suggests", "supplements", "enhances")


def decorate(builder: DistroBuilder, source: Source) -> None:
    """Sprinkle optional dependency features over a non-core source, at the profile's rates."""
    rates = builder.profile.features
    for name, rate, feature in FEATURES:
        if builder.rng.random() < rates.get(name, rate):
            feature(builder, source)


def add_alternatives(builder: DistroBuilder, pairs: int, layer: int) -> None:
    """Pairs of mutually conflicting providers of one virtual capability, like MTAs."""
    for index in range(pairs):
        rounds = index // len(VIRTUALS)
        virtual = builder.names.claim(
            VIRTUALS[index % len(VIRTUALS)] + (f"{rounds}" * bool(rounds))
        )
        providers = []
        for _ in range(2):
            name = builder.names.fresh()
            source = Source(name, builder.version(), builder.release(), "alternative", layer)
            source.links = builder.libraries.pick(builder.rng, 1)
            source.main = name
            source.binaries = [
                Binary(
                    name,
                    provides=[virtual],
                    requires=linked_requires(source),
                    files=[f"/usr/sbin/{name}"],
                    summary=f"A {virtual} implementation",
                )
            ]
            source.build_requires = build_requires(builder, source)
            providers.append(source)
        first, second = providers
        first.binaries[0].conflicts.append(second.main)
        second.binaries[0].conflicts.append(first.main)
        for source in providers:
            builder.add(source)
        builder.alternatives.append((virtual, [first.main, second.main]))


def _present(sources: list[Source]) -> set[str]:
    seen: set[str] = set()
    for source in sources:
        for binary in source.binaries:
            seen.update(kind for kind in WEAK if getattr(binary, kind))
            if binary.conflicts:
                seen.add("conflicts")
            if binary.obsoletes:
                seen.add("obsoletes")
            for dep in binary.requires:
                if dep.startswith("("):
                    seen.add("range" if " with " in dep else "conditional")
    return seen


def ensure_features(builder: DistroBuilder) -> None:
    """Give a small distribution at least one of each optional feature, so that tests and
    demos always meet every kind of dependency whatever the seed."""
    seen = _present(builder.sources)
    candidates = [s for s in builder.sources if s.layer > 0 and s.kind != "alternative"]
    for name, _, feature in FEATURES:
        if name in seen or name in ("script", "alternative"):
            continue
        for source in candidates:
            if feature(builder, source):
                break


def break_some(builder: DistroBuilder) -> None:
    """Make a few sources unresolvable on purpose: some BuildRequire what nobody provides,
    others BuildRequire an application whose binary requires a missing library."""
    settings, rng = builder.settings, builder.rng
    if settings.unresolvable_rate <= 0:
        return
    count = max(1, round(settings.sources * settings.unresolvable_rate))
    candidates = [s for s in builder.sources if s.layer > 0 and s.kind != "alternative"]
    for source in rng.sample(candidates, count):
        word = builder.names.fresh()
        dep = rng.choice(
            (f"{word}-devel", f"pkgconfig({word})", f"/usr/bin/{word}", f"{word}-devel >= 1.0")
        )
        source.build_requires.append(dep)
        builder.unresolvable[source.name] = f"BuildRequires {dep}: nothing provides it"
    apps = [
        s
        for s in candidates
        if s.kind == "application" and not s.required and s.name not in builder.unresolvable
    ]
    victims = [s for s in candidates if s.name not in builder.unresolvable]
    rng.shuffle(victims)
    for app in rng.sample(apps, min(count, len(apps))):
        missing = f"lib{builder.names.fresh()}.so.{rng.randint(0, 9)}()(64bit)"
        binary = app.binaries[0]
        binary.requires.append(missing)
        app.required = True
        victim = next(v for v in victims if v is not app and v.name not in builder.unresolvable)
        dep = f"/usr/bin/{app.name}" if rng.random() < 0.5 else binary.name
        victim.build_requires.append(dep)
        builder.unresolvable[victim.name] = (
            f"BuildRequires {dep}: {binary.name} requires {missing}, which nothing provides"
        )
