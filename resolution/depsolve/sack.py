"""Loading a hawkey sack from a cached repo, and the NEVRA vocabulary of resolved packages."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import hawkey
import numpy as np
import numpy.typing as npt

from resolution.repos import LocalRepo

log = logging.getLogger(__name__)

#: hawkey has no type stubs; its objects travel as ``Any`` under these names
Sack = Any
Package = Any

DEFAULT_ARCH = "x86_64"


class SackError(Exception):
    """The repodata could not be loaded into a sack; the message is one line."""


class Nevra(NamedTuple):
    """A binary package's identity; epoch 0 and "no epoch" are the same, as in RPM."""

    name: str
    epoch: int
    version: str
    release: str
    arch: str

    def __str__(self) -> str:
        epoch = f"{self.epoch}:" if self.epoch else ""
        return f"{self.name}-{epoch}{self.version}-{self.release}.{self.arch}"

    @classmethod
    def of(cls, package: Package) -> Nevra:
        """The NEVRA of a hawkey package."""
        return cls(package.name, package.epoch or 0, package.version, package.release, package.arch)


#: a resolved package's install set: sorted, so equal sets have equal representations
InstallSet = tuple[Nevra, ...]


def install_set(packages: Iterable[Package]) -> InstallSet:
    """The compact, stable form of an install set (source packages left out)."""
    return tuple(sorted(Nevra.of(p) for p in packages if p.arch != "src"))


@dataclass(frozen=True)
class SackLoad:
    """A loaded sack and what loading it cost (``from_cache``: hawkey's solv files were used)."""

    sack: Sack
    seconds: float
    from_cache: bool


def _repo_name(local: LocalRepo) -> str:
    # Stable across repo ids: libsolv may print it in problem texts ("... from <repo>"), and
    # problem sets are compared between repos.  Solv files live in each entry's own
    # directory, so the name need not be unique.
    return f"{local.descriptor.koji_id}-{local.descriptor.build_tag}"


def load_sack(local: LocalRepo, arch: str = DEFAULT_ARCH, *, build_cache: bool = True) -> SackLoad:
    """A sack with ``local``'s packages and file lists, using and refreshing the solv cache.

    hawkey stores ``<name>.solv`` and ``<name>-filenames.solvx`` in ``local.solv_cachedir``
    (written to a temporary file and renamed, so concurrent loaders are safe) and reuses
    them while repomd.xml's checksum matches.  ``build_cache=False`` skips writing them
    (~15% of a load from repodata) when another process is writing them anyway.
    """
    cachedir = local.solv_cachedir
    name = _repo_name(local)
    from_cache = (cachedir / f"{name}.solv").exists()
    started = time.perf_counter()
    try:
        sack = hawkey.Sack(arch=arch, cachedir=str(cachedir), make_cache_dir=True)
        # hawkey.Repo (the Python subclass) only adds a DeprecationWarning and changes the
        # global warning filters; the C type is the same thing without that.
        repo = hawkey._hawkey.Repo(name)
        repo.repomd_fn = str(local.repomd)
        repo.primary_fn = str(local.primary)
        if local.filelists is not None:
            repo.filelists_fn = str(local.filelists)
        sack.load_repo(repo, build_cache=build_cache, load_filelists=local.filelists is not None)
    except (hawkey.Exception, OSError, ValueError) as exc:
        message = " ".join(str(exc).split())
        raise SackError(f"cannot load repo {local.descriptor}: {message}") from None
    seconds = time.perf_counter() - started
    log.info(
        "Loaded %d packages of %s in %.2f s (%s)",
        len(sack),
        local.descriptor,
        seconds,
        "solv cache" if from_cache else "repodata",
    )
    return SackLoad(sack, seconds, from_cache)


def all_packages(sack: Sack) -> list[Package]:
    """Every binary package of the sack."""
    return [p for p in hawkey.Query(sack) if p.arch != "src"]


def solvable_span(packages: Iterable[Package]) -> int:
    """One past the largest solvable id of these packages (hawkey hashes a package to its
    id): the size of an array indexed by solvable id."""
    return max(map(hash, packages), default=0) + 1


@dataclass(frozen=True)
class SackIndex:
    """A sack's binaries by solvable id (hawkey hashes a package to its id): NEVRA, rank
    in NEVRA order, and whether the sack holds source packages at all."""

    size: int
    nevras: list[Nevra | None]
    ranks: npt.NDArray[np.int64]
    has_sources: bool
    by_nevra: dict[Nevra, Package]

    @classmethod
    def of(cls, sack: Sack) -> SackIndex:
        """One pass over the sack (~0.1 s at 60k binaries)."""
        everything = list(hawkey.Query(sack))
        size = solvable_span(everything)
        if size > 2 * len(everything) + 64:  # ids are dense in libsolv's pool
            raise SackError("hawkey's package hash is not the libsolv solvable id")
        # (NEVRA, id) pairs are unique, so sorting never compares the packages
        named = sorted((Nevra.of(p), hash(p), p) for p in everything if p.arch != "src")
        nevras: list[Nevra | None] = [None] * size
        for nevra, identity, _ in named:
            nevras[identity] = nevra
        ranks = np.zeros(size, np.int64)
        ranks[[identity for _, identity, _ in named]] = np.arange(len(named))
        by_nevra = {nevra: package for nevra, _, package in named}
        return cls(size, nevras, ranks, len(named) < len(everything), by_nevra)


def nevra_index(sack: Sack) -> dict[Nevra, Package]:
    """The sack's binary packages by NEVRA."""
    return {Nevra.of(p): p for p in all_packages(sack)}
