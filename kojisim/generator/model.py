"""Data model of a synthetic distribution: source packages and the binaries they build.

Dependencies are kept as RPM dependency strings ("name", "name op evr" or a rich
"(a or b)") because that is how they appear in BuildRequires and how the writer turns
them into repodata entries; strings are also the most compact form for 60k binaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ARCH = "x86_64"
NOARCH = "noarch"
ISA = "x86-64"  # RPM's %{_isa} suffix for x86_64: "foo(x86-64)"


def evr(epoch: int, version: str, release: str | None = None) -> str:
    """The EVR string of a dependency: "[E:]V[-R]"; the epoch is written only when set."""
    text = f"{epoch}:{version}" if epoch else version
    return f"{text}-{release}" if release else text


def split_evr(text: str) -> tuple[str, str, str | None]:
    """Split "[E:]V[-R]" into (epoch, version, release) as repodata wants them."""
    epoch, _, rest = text.rpartition(":")
    version, dash, release = rest.partition("-")
    return epoch or "0", version, release if dash else None


@dataclass(slots=True, eq=False)
class Binary:
    """One binary RPM; its own "name = EVR" and ISA provides are added when written."""

    name: str
    arch: str = ARCH
    provides: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    recommends: list[str] = field(default_factory=list)
    suggests: list[str] = field(default_factory=list)
    supplements: list[str] = field(default_factory=list)
    enhances: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    obsoletes: list[str] = field(default_factory=list)
    summary: str = ""

    def dep_lists(self) -> tuple[list[str], ...]:
        """Every dependency list, for rewriting versions after a rebuild."""
        return (
            self.provides,
            self.requires,
            self.recommends,
            self.suggests,
            self.supplements,
            self.enhances,
            self.conflicts,
            self.obsoletes,
        )


@dataclass(slots=True, eq=False)
class Source:
    """One source package: its EVR, BuildRequires and binaries, plus generator bookkeeping.

    ``links`` are the library sources it builds against, ``soname``/``devel``/``pc``
    describe what it offers to others when it is a library, ``tools`` are the
    ``/usr/bin`` paths other packages may BuildRequire, ``module`` is the Python
    distribution or Perl module it provides (``module_deps`` the ones it uses), and
    ``required`` says whether anything else hard-depends on one of its binaries (such
    sources are never retired).
    """

    name: str
    version: str
    release: str
    kind: str
    layer: int
    epoch: int = 0
    build_requires: list[str] = field(default_factory=list)
    binaries: list[Binary] = field(default_factory=list)
    links: list[Source] = field(default_factory=list)
    main: str = ""
    soname: str | None = None
    devel: str | None = None
    pc: str | None = None
    tools: list[str] = field(default_factory=list)
    module: str | None = None
    module_deps: list[Source] = field(default_factory=list)
    weight: float = 1.0
    required: bool = False

    @property
    def evr(self) -> str:
        """The full "[E:]V-R" of this build."""
        return evr(self.epoch, self.version, self.release)

    @property
    def nvr(self) -> str:
        """Koji's name-version-release of this build."""
        return f"{self.name}-{self.version}-{self.release}"

    @property
    def srpm(self) -> str:
        """The sourcerpm field of every binary it builds."""
        return f"{self.nvr}.src.rpm"

    def at_least(self, version: str | None = None) -> str:
        """A lower bound for versioned dependencies on this source, with its epoch."""
        return evr(self.epoch, version or self.version)

    def binary(self, name: str) -> Binary:
        """The binary of this source with the given name."""
        for item in self.binaries:
            if item.name == name:
                return item
        raise KeyError(name)

    def rebuild(self, version: str, release: str) -> None:
        """Move to a new version-release, rewriting the exact-EVR deps that name the old one."""
        old_full, old_version = self.evr, self.version
        self.version, self.release = version, release
        new_full = self.evr
        exact = (f" = {old_full}", f" = {new_full}")
        # Only provides carry the bare version ("pkgconfig(foo) = 1.2"); a requires such
        # as "python(abi) = 3.12" must not move when a module happens to be at 3.12.
        bare = (f" = {old_version}", f" = {version}")
        for item in self.binaries:
            for deps in item.dep_lists():
                swaps = (exact, bare) if deps is item.provides else (exact,)
                for index, dep in enumerate(deps):
                    for old, new in swaps:
                        if dep.endswith(old):
                            deps[index] = dep[: -len(old)] + new
                            break

    def as_json(self) -> dict[str, object]:
        """The sources.json entry of this build."""
        return {
            "name": self.name,
            "epoch": self.epoch or None,
            "version": self.version,
            "release": self.release,
            "build_requires": self.build_requires,
        }


@dataclass(slots=True, eq=False)
class Distribution:
    """A generated snapshot: sources in generation order, the build group and known breakage."""

    sources: list[Source]
    build_group: list[str]
    dist_tag: str
    unresolvable: dict[str, str] = field(default_factory=dict)

    def binary_count(self) -> int:
        """How many binary packages the snapshot holds."""
        return sum(len(source.binaries) for source in self.sources)

    def by_name(self) -> dict[str, Source]:
        """Sources keyed by name."""
        return {source.name: source for source in self.sources}
