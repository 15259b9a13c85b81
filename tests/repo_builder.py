"""Tiny yum repositories for tests, written with the createrepo_c bindings.

    repo = write_repo(tmp_path / "x86_64", [
        Rpm("gcc", requires=["cpp = 13-1", "/bin/sh"]),
        Rpm("cpp", version="13"),
        Rpm("bash", files=["/bin/sh", "/usr/bin/bash"]),
    ], groups={"build": ["bash"]})

``write_repo`` lays out ``<dir>/repodata/`` the way Koji does (repomd, primary, filelists,
other, comps as ``group`` and ``group_gz``) and returns the paths.  ``serve_directory`` serves a
directory over HTTP on 127.0.0.1 for download tests.  Packages provide themselves
(``name = epoch:version-release``) like rpmbuild makes them do.  The repodata is written by
kojisim's repodata writer (``kojisim.repos.repogen``) from kojisim ``Rpm`` records, so that
dependency strings are parsed the same way for both.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from kojisim.core import model
from kojisim.core.rpmdeps import DEP_KINDS, parse_deps
from kojisim.repos.repogen import BaseRepodata, write_repodata
from resolution.repos import LocalRepo, RepoDescriptor


@dataclass
class Rpm:
    """One binary package of a test repository; dependencies are rpm-style strings."""

    name: str
    version: str = "1"
    release: str = "1"
    epoch: int = 0
    arch: str = "x86_64"
    provides: Sequence[str] = ()
    requires: Sequence[str] = ()
    recommends: Sequence[str] = ()
    suggests: Sequence[str] = ()
    supplements: Sequence[str] = ()
    enhances: Sequence[str] = ()
    obsoletes: Sequence[str] = ()
    conflicts: Sequence[str] = ()
    files: Sequence[str] = ()
    sourcerpm: str = ""

    @property
    def evr(self) -> str:
        prefix = f"{self.epoch}:" if self.epoch else ""
        return f"{prefix}{self.version}-{self.release}"

    @property
    def nvra(self) -> str:
        return f"{self.name}-{self.version}-{self.release}.{self.arch}"

    @property
    def nevra(self) -> tuple[str, int, str, str, str]:
        return (self.name, self.epoch, self.version, self.release, self.arch)


@dataclass
class BuiltRepo:
    """Paths of a repository written by ``write_repo``."""

    path: Path
    repomd: Path
    primary: Path
    filelists: Path
    comps: Path | None
    packages: list[Rpm] = field(default_factory=list)

    def local_repo(self, descriptor: RepoDescriptor | None = None) -> LocalRepo:
        """The repository as ``resolution.repos`` hands it out of its cache."""
        return LocalRepo(
            descriptor=descriptor or RepoDescriptor("test", "build", 1),
            path=self.path,
            repomd=self.repomd,
            primary=self.primary,
            filelists=self.filelists,
            comps=self.comps,
        )


def sim_rpm(rpm: Rpm) -> model.Rpm:
    """kojisim's record of ``rpm``, providing itself, as kojisim's repodata writer takes it."""
    nevra = f"{rpm.name}-{rpm.epoch}:{rpm.version}-{rpm.release}.{rpm.arch}"
    record = model.Rpm(
        id=0,
        build_id=0,
        name=rpm.name,
        version=rpm.version,
        release=rpm.release,
        epoch=rpm.epoch,
        arch=rpm.arch,
        files=tuple(rpm.files),
        summary=f"test package {rpm.name}",
        buildtime=1700000000,
        pkgid=hashlib.sha256(nevra.encode()).hexdigest(),
        sourcerpm=rpm.sourcerpm or f"{rpm.name}-{rpm.version}-{rpm.release}.src.rpm",
    )
    self_provide = f"{rpm.name} = {rpm.evr}"
    for kind in DEP_KINDS:
        deps = getattr(rpm, kind)
        if kind == "provides":
            deps = [self_provide, *(p for p in deps if p != self_provide)]
        setattr(record, kind, parse_deps(list(deps)))
    return record


def comps_xml(groups: Mapping[str, Iterable[str]]) -> str:
    """A comps document with one group per item, every member mandatory."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">',
        "<comps>",
    ]
    for group, members in groups.items():
        parts += [
            f"  <group><id>{escape(group)}</id><name>{escape(group)}</name>",
            "    <description/><default>false</default><uservisible>true</uservisible>",
            "    <packagelist>",
            *(f'      <packagereq type="mandatory">{escape(m)}</packagereq>' for m in members),
            "    </packagelist>",
            "  </group>",
        ]
    parts.append("</comps>")
    return "\n".join(parts) + "\n"


def write_repo(
    directory: Path, packages: Iterable[Rpm], groups: Mapping[str, Iterable[str]] | None = None
) -> BuiltRepo:
    """Write ``directory/repodata`` for ``packages`` (and a comps file when ``groups``)."""
    rpms = list(packages)
    comps = comps_xml(groups) if groups is not None else None
    repodata = write_repodata(directory, [sim_rpm(rpm) for rpm in rpms], comps)
    locations = BaseRepodata.load(repodata).locations
    return BuiltRepo(
        path=directory,
        repomd=repodata / "repomd.xml",
        primary=locations["primary"],
        filelists=locations["filelists"],
        comps=locations.get("group"),
        packages=rpms,
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging to stderr; records request paths; may answer slowly."""

    requests: list[str]
    delay: float

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.delay:
            time.sleep(self.delay)
        super().do_GET()


@dataclass
class Server:
    """A running loopback HTTP server: its base URL and the request paths it has seen."""

    url: str
    requests: list[str]


@contextlib.contextmanager
def serve_directory(root: Path, delay: float = 0.0) -> Iterator[Server]:
    """Serve ``root`` at http://127.0.0.1:<free port>/ in a thread until the block ends.

    ``delay`` seconds pass before each answer (to make concurrent clients overlap).
    """
    requests: list[str] = []
    handler = type("Handler", (_QuietHandler,), {"requests": requests, "delay": delay})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{server.server_address[1]}", requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
