"""Generator profiles: the shape of the distribution, by name.

``fedora`` (the default) is calibrated on the shape of a real distribution's indexes
(about 63,000 binaries from 34,000 sources): a fixed core whose buildroot holds about
150 binaries, a mean install set near 200 with a long tail from deep library stacks,
most dependency distances within 6 and some at 15-20, few weak dependencies and few
distinct file BuildRequires, so that a bare hawkey goal costs 1-1.5 ms per package on
a 30,000-source distribution (1.5 ms measured on a busy 2-core machine, where the real
distribution's cost 1.2 ms).

``expensive`` is the generator as it was first written, kept byte for byte: a core that
grows with the distribution (0.4% of the sources, so a 170-binary build group at full
size), three middle layers, and enough Enhances and Recommends of popular libraries
that libsolv walks the whole pool again and again for each goal (3.3-3.8 ms per
package at full size, over twice the default's).  It is the case where the solver's own
cost hides everything around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Profile:
    """The knobs that differ between profiles; everything else is shared."""

    name: str
    #: the core (layer 0, the build group) is this share of the sources ...
    core_share: float
    #: ... capped here (None: no cap)
    core_cap: int | None
    #: shares of the non-core sources in each middle layer; the rest is the leaf layer
    middle_shares: tuple[float, ...]
    #: chance that a library-linking source also links a library of the layer just
    #: below it, which builds the long stacks behind deep distances and big install sets
    chain_rate: float = 0.0
    #: rate of each optional dependency feature of ``extras.FEATURES``, by name
    features: dict[str, float] = field(default_factory=dict)
    #: chance that a tool BuildRequire names its path rather than its package
    tool_path_rate: float = 0.6
    #: how many linked libraries' pkgconfig a -devel package requires
    devel_pc_links: int = 2
    #: chance that an application is a big stack's (a desktop application, say) linking
    #: between ``heavy_links`` libraries: the long tail of install-set sizes
    heavy_rate: float = 0.0
    heavy_links: tuple[int, int] = (12, 40)
    #: chance that a BuildRequire of a tool outside the core names its path (None: as
    #: for a core tool); real spec files name few paths beyond the common ones
    middle_tool_path_rate: float | None = None
    #: chance that a BuildRequire drawn as a library's ``.so`` path stays one (None:
    #: always); each distinct path costs hawkey a search of every file list
    library_path_rate: float | None = None
    #: popularity of a core library against the Pareto weights of the others (mean ~4)
    core_weight: float = 3.0

    def core_sources(self, total: int, minimum: int) -> int:
        """How many core sources a distribution of ``total`` sources gets."""
        count = round(total * self.core_share)
        if self.core_cap is not None:
            count = min(count, self.core_cap)
        return max(minimum, count)


EXPENSIVE = Profile(
    name="expensive",
    core_share=0.004,
    core_cap=None,
    middle_shares=(0.16, 0.13, 0.11),
    features={
        "recommends": 0.15,
        "suggests": 0.05,
        "enhances": 0.02,
        "range": 0.05,
        "conditional": 0.03,
        "conflicts": 0.03,
        "obsoletes": 0.03,
        "script": 0.06,
        "alternative": 0.04,
        "supplements": 0.0,
    },
)

# Twenty thin middle layers instead of three thick ones, and half of the sources also
# linking a library of the layer just below: chains through them give a few packages
# distances of 15 and more, and their -devel packages' pkgconfig requires the long tail
# of install sets.  Core libraries are so popular that most packages link little else,
# as in a real distribution (glibc, zlib, openssl, glib2).  Weak dependencies are what
# makes a goal expensive (libsolv rescans the pool whenever an Enhances or a Supplements
# becomes possible), so they stay rare; few distinct paths are BuildRequired, since
# hawkey searches every file list for each.
FEDORA = Profile(
    name="fedora",
    core_share=0.125,
    core_cap=105,
    middle_shares=(0.02,) * 20,
    chain_rate=0.5,
    features={
        "recommends": 0.05,
        "suggests": 0.02,
        "enhances": 0.002,
        "range": 0.06,
        "conditional": 0.02,
        "conflicts": 0.03,
        "obsoletes": 0.03,
        "script": 0.06,
        "alternative": 0.04,
        "supplements": 0.0,
    },
    tool_path_rate=0.4,
    middle_tool_path_rate=0.03,
    library_path_rate=0.1,
    devel_pc_links=3,
    core_weight=250.0,
    heavy_rate=0.02,
    heavy_links=(15, 60),
)

PROFILES = {profile.name: profile for profile in (FEDORA, EXPENSIVE)}
DEFAULT_PROFILE = FEDORA.name


def profile_named(name: str) -> Profile:
    """The profile of that name; KeyError names the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None
