"""Layered generation of a base distribution.

Layer 0 is the core (toolchain and base libraries, the build group); the middle layers
hold libraries, tools and language modules that depend only on lower layers; the top
layer holds leaf applications and modules nobody depends on. Popular libraries (a Pareto
weight) attract most dependents, as zlib or openssl do in a real distribution; the
profile (``profiles``) says how big the core is, how many middle layers there are and
how often a source also links a library of the layer just below.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from . import core, extras, templates
from .model import Distribution, Source
from .names import NameRegistry
from .profiles import FEDORA, Profile

MIDDLE_KINDS = (("library", 55), ("tool", 10), ("python", 20), ("perl", 10), ("data", 5))
LEAF_KINDS = (("application", 50), ("python", 22), ("perl", 12), ("library", 8), ("data", 8))
LINKS = {
    "library": (1, 1, 2, 2, 3, 4),
    "tool": (1, 1, 2),
    "application": (1, 2, 2, 3, 4, 5, 6),
    "python": (0, 0, 0, 0, 1),
    "perl": (0,),
    "data": (0,),
}
MINIMUM_SOURCES = 40
# How often the essential libraries are linked, relative to an average library.
ESSENTIAL_WEIGHTS = {"zlib": 40.0, "openssl": 30.0, "python3.12": 3.0, "perl": 2.0, "rpm": 1.0}


@dataclass(frozen=True, slots=True)
class Settings:
    """What to generate: size, seed, rate of deliberate breakage, dist tag and profile."""

    sources: int
    seed: int
    unresolvable_rate: float = 0.005
    dist_tag: str = "fc40"
    profile: Profile = FEDORA


class Pool:
    """Sources others may depend on, drawn by popularity; a layer sees only lower layers,
    so new members wait in ``pending`` until the next ``freeze``."""

    def __init__(self) -> None:
        self.items: list[Source] = []
        self.pending: list[Source] = []
        self.recent: list[Source] = []
        self.cumulative: list[float] = []

    def add(self, source: Source) -> None:
        """Offer a source to the next layers."""
        self.pending.append(source)

    def freeze(self) -> None:
        """Make pending sources visible and refresh the weights."""
        if self.pending:
            self.recent = list(self.pending)
        self.items.extend(self.pending)
        self.pending.clear()
        self.cumulative = list(accumulate(item.weight for item in self.items))

    def pick(self, rng: random.Random, count: int) -> list[Source]:
        """Up to ``count`` distinct sources, popular ones more likely, marked as required."""
        if not self.items or count <= 0:
            return []
        chosen = rng.choices(self.items, cum_weights=self.cumulative, k=count)
        unique = list(dict.fromkeys(chosen))
        for source in unique:
            source.required = True
        return unique

    def pick_recent(self, rng: random.Random) -> list[Source]:
        """One source of the layer made visible last (none before any), marked as required."""
        if not self.recent:
            return []
        source = rng.choice(self.recent)
        source.required = True
        return [source]


def weighted(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    """A kind drawn from a (kind, weight) table."""
    return rng.choices([kind for kind, _ in table], [weight for _, weight in table])[0]


class DistroBuilder:
    """Builds a base distribution; ``changes`` reuses its pools and names for additions."""

    def __init__(self, settings: Settings) -> None:
        if settings.sources < MINIMUM_SOURCES:
            raise ValueError(f"at least {MINIMUM_SOURCES} sources are needed")
        self.settings = settings
        self.profile = settings.profile
        self.rng = random.Random(f"kojisim-generate:{settings.seed}:base")
        self.names = NameRegistry(self.rng)
        self.sources: list[Source] = []
        self.libraries, self.tools, self.pythons, self.perls = Pool(), Pool(), Pool(), Pool()
        self.tool_owner: dict[str, str] = {}  # /usr/bin path -> binary name
        self.binary_owner: dict[str, Source] = {}
        self.alternatives: list[tuple[str, list[str]]] = []
        self.unresolvable: dict[str, str] = {}
        self.top_layer = len(self.profile.middle_shares) + 1

    def build(self) -> Distribution:
        """Generate every layer, then the deliberate breakage."""
        total = self.settings.sources
        core_count = self.profile.core_sources(total, len(core.ESSENTIALS))
        pairs = max(1, total // 2500)
        self._core(core_count)
        rest = total - core_count - 2 * pairs
        sizes = [round(rest * share) for share in self.profile.middle_shares]
        sizes.append(rest - sum(sizes))
        for layer, size in enumerate(sizes, start=1):
            self.freeze()
            kinds = LEAF_KINDS if layer == self.top_layer else MIDDLE_KINDS
            for _ in range(size):
                self.add(self.new_source(layer, weighted(self.rng, kinds)))
            if layer == 2:
                extras.add_alternatives(self, pairs, layer)
        self.freeze()
        extras.ensure_features(self)
        extras.break_some(self)
        group = [
            binary.name
            for source in self.sources
            if source.layer == 0
            for binary in source.binaries
            if not binary.name.endswith(("-devel", "-doc", "-static"))
            and binary.name not in core.NOT_IN_BUILD_GROUP
        ]
        return Distribution(self.sources, group, self.settings.dist_tag, self.unresolvable)

    def freeze(self) -> None:
        """Open the sources generated so far to the next layer."""
        for pool in (self.libraries, self.tools, self.pythons, self.perls):
            pool.freeze()

    def add(self, source: Source) -> None:
        """Register a finished source: names, pools and the tools it offers."""
        self.sources.append(source)
        for binary in source.binaries:
            if binary.name in self.binary_owner:
                raise RuntimeError(f"binary name {binary.name} generated twice")
            self.binary_owner[binary.name] = source
            self.names.taken.add(binary.name)
            for path in binary.files:
                if path in source.tools:
                    self.tool_owner[path] = binary.name
        if source.soname and source.devel and source.name != "glibc":
            self.libraries.add(source)
        if source.tools and source.kind != "alternative":
            self.tools.add(source)
        if source.module:
            (self.pythons if source.kind == "python" else self.perls).add(source)

    def _core(self, count: int) -> None:
        by_name: dict[str, Source] = {}
        for name, epoch, version, kind, links, shaper in core.ESSENTIALS:
            source = Source(self.names.claim(name), version, self.release(), kind, 0, epoch)
            source.links = [by_name[link] for link in links]
            source.weight = ESSENTIAL_WEIGHTS.get(name, 1.0)
            if shaper is None:
                templates.library(self.rng, source, core.library_stem(name), self.pc_links)
            else:
                core.shape_essential(source, shaper)
            source.build_requires = extras.build_requires(self, source)
            by_name[name] = source
            self.add(source)
            self.freeze()
        libraries, tools = iter(core.CORE_LIBRARIES), iter(core.CORE_TOOLS)
        while len(self.sources) < count:
            kind = "tool" if len(self.sources) % 3 == 0 else "library"
            real = next(tools if kind == "tool" else libraries, None)
            name = self.names.claim(real[0]) if real else self.names.fresh("lib")
            source = Source(name, self.version(), self.release(), kind, 0)
            source = self.shape(source, self.profile.core_weight)
            self.add(source)
            self.freeze()

    def new_source(self, layer: int, kind: str, count: int | None = None) -> Source:
        """A fresh source of the given kind in the given layer, with its dependencies;
        ``count`` fixes the number of binaries of an application."""
        rng, names = self.rng, self.names
        if kind == "python":
            name = names.fresh("python-")
        elif kind == "perl":
            name = names.claim("perl-" + names.perl_module().replace("::", "-"))
        elif kind == "data":
            name = names.fresh(suffix=rng.choice(("-fonts", "-data", "-theme")))
        elif kind == "library" and rng.random() < 0.5:
            name = names.fresh("lib")
        else:
            name = names.fresh()
        epoch = rng.choices((0, 1, 2), (96, 3, 1))[0]
        source = Source(name, self.version(), self.release(), kind, layer, epoch)
        source = self.shape(source, min(rng.paretovariate(1.2), 50.0), count)
        extras.decorate(self, source)
        return source

    def shape(self, source: Source, weight: float, count: int | None = None) -> Source:
        """Choose what the source uses, lay out its binaries and write its BuildRequires."""
        rng, kind = self.rng, source.kind
        source.weight = weight
        source.links = self.links(source)
        if kind == "library":
            templates.library(rng, source, core.library_stem(source.name), self.pc_links)
        elif kind == "tool":
            templates.tool(rng, source, core.tool_path(source.name))
        elif kind == "application":
            templates.application(rng, source, count)
        elif kind == "python":
            source.module_deps = self.pythons.pick(rng, rng.choice((0, 1, 1, 2, 3)))
            templates.python_module(rng, source, source.name.removeprefix("python-"))
        elif kind == "perl":
            source.module_deps = self.perls.pick(rng, rng.choice((0, 1, 1, 2, 3)))
            templates.perl_module(rng, source, source.name[5:].replace("-", "::"))
        else:
            templates.data(rng, source)
        source.build_requires = extras.build_requires(self, source)
        return source

    def links(self, source: Source) -> list[Source]:
        """The libraries a new source links: popular ones, for a few applications many
        (a desktop stack's), and with the profile's chain rate one of the layer below."""
        rng, profile = self.rng, self.profile
        count = rng.choice(LINKS[source.kind])
        heavy = profile.heavy_rate
        if heavy and source.kind == "application" and rng.random() < heavy:
            count = rng.randint(*profile.heavy_links)
        links = self.libraries.pick(rng, count)
        chain = profile.chain_rate
        if chain and source.layer > 0 and links and rng.random() < chain:
            # first, so that a -devel package's pkgconfig requires follow the chain
            links = list(dict.fromkeys(self.libraries.pick_recent(rng) + links))
        return links

    @property
    def pc_links(self) -> int:
        """How many linked libraries' pkgconfig a -devel package requires."""
        return self.profile.devel_pc_links

    def version(self) -> str:
        """A plausible upstream version."""
        rng = self.rng
        major = rng.choice((0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8, 12, 20))
        parts = [major, rng.randint(0, 30)]
        if rng.random() < 0.7:
            parts.append(rng.randint(0, 20))
        return ".".join(map(str, parts))

    def release(self, number: int | None = None) -> str:
        """A release with the dist tag."""
        return f"{number or self.rng.randint(1, 12)}.{self.settings.dist_tag}"


def build_distribution(settings: Settings) -> tuple[Distribution, DistroBuilder]:
    """Generate the base snapshot; the builder is returned for generating changes."""
    builder = DistroBuilder(settings)
    return builder.build(), builder
