"""Tiny yum repositories for tests, written with the createrepo_c bindings.

    repo = write_repo(tmp_path / "x86_64", [
        Rpm("gcc", requires=["cpp = 13-1", "/bin/sh"]),
        Rpm("cpp", version="13"),
        Rpm("bash", files=["/bin/sh", "/usr/bin/bash"]),
    ], groups={"build": ["bash"]})

``write_repo`` lays out ``<dir>/repodata/`` the way Koji does (repomd, primary, filelists,
other, comps as ``group`` and ``group_gz``) and returns the paths.  ``serve_directory`` serves a
directory over HTTP on 127.0.0.1 for download tests.  Packages provide themselves
(``name = epoch:version-release``) like rpmbuild makes them do.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import createrepo_c as cr

from resolution.repos import LocalRepo, RepoDescriptor

_OPS = {"=": "EQ", "==": "EQ", "<": "LT", ">": "GT", "<=": "LE", ">=": "GE"}
_EVR = re.compile(r"^(?:(?P<epoch>\d+):)?(?P<version>[^-]+)(?:-(?P<release>.+))?$")
_DEP_KINDS = (
    "provides",
    "requires",
    "recommends",
    "suggests",
    "supplements",
    "enhances",
    "obsoletes",
    "conflicts",
)


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


def cr_dep(text: str) -> tuple[str, str | None, str | None, str | None, str | None, bool]:
    """An rpm dependency string ("foo", "foo >= 1:2-3", "(a or b)") as a createrepo_c tuple."""
    text = " ".join(text.split())
    parts = text.split(" ")
    if text.startswith("(") or len(parts) != 3 or parts[1] not in _OPS:
        return (text, None, None, None, None, False)
    match = _EVR.match(parts[2])
    if match is None:
        raise ValueError(f"bad version in dependency {text!r}")
    return (
        parts[0],
        _OPS[parts[1]],
        match["epoch"] or "0",
        match["version"],
        match["release"],
        False,
    )


def cr_package(rpm: Rpm) -> Any:
    """A createrepo_c package object for ``rpm``."""
    pkg = cr.Package()
    nevra = f"{rpm.name}-{rpm.epoch}:{rpm.version}-{rpm.release}.{rpm.arch}"
    pkg.pkgId = hashlib.sha256(nevra.encode()).hexdigest()
    pkg.checksum_type = "sha256"
    pkg.name, pkg.arch = rpm.name, rpm.arch
    pkg.epoch, pkg.version, pkg.release = str(rpm.epoch), rpm.version, rpm.release
    pkg.summary = pkg.description = f"test package {rpm.name}"
    pkg.url = ""
    pkg.rpm_license = "MIT"
    pkg.rpm_sourcerpm = rpm.sourcerpm or f"{rpm.name}-{rpm.version}-{rpm.release}.src.rpm"
    pkg.location_href = f"Packages/{rpm.nvra}.rpm"
    pkg.time_file = pkg.time_build = 1700000000
    pkg.size_package = pkg.size_installed = pkg.size_archive = 1024
    self_provide = f"{rpm.name} = {rpm.evr}"
    provides = [self_provide, *(p for p in rpm.provides if p != self_provide)]
    for kind in _DEP_KINDS:
        deps = provides if kind == "provides" else getattr(rpm, kind)
        setattr(pkg, kind, [cr_dep(dep) for dep in deps])
    pkg.files = [("", path.rsplit("/", 1)[0] + "/", path.rsplit("/", 1)[1]) for path in rpm.files]
    return pkg


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


def _record(kind: str, path: Path) -> Any:
    record = cr.RepomdRecord(kind, str(path))
    record.fill(cr.SHA256)
    record.rename_file()  # <checksum>-<name>, like createrepo_c --unique-md-filenames
    return record


def write_repo(
    directory: Path, packages: Iterable[Rpm], groups: Mapping[str, Iterable[str]] | None = None
) -> BuiltRepo:
    """Write ``directory/repodata`` for ``packages`` (and a comps file when ``groups``)."""
    rpms = list(packages)
    repodata = directory / "repodata"
    repodata.mkdir(parents=True, exist_ok=True)
    repomd = cr.Repomd()
    paths: dict[str, Path] = {}
    kinds = (
        ("primary", cr.PrimaryXmlFile),
        ("filelists", cr.FilelistsXmlFile),
        ("other", cr.OtherXmlFile),
    )
    cr_packages = [cr_package(rpm) for rpm in rpms]
    for kind, writer_class in kinds:
        path = repodata / f"{kind}.xml.gz"
        writer = writer_class(str(path), cr.GZ_COMPRESSION)
        writer.set_num_of_pkgs(len(cr_packages))
        for pkg in cr_packages:
            writer.add_pkg(pkg)
        writer.close()
        record = _record(kind, path)
        repomd.set_record(record)
        paths[kind] = directory / record.location_href
    if groups is not None:
        comps = repodata / "comps.xml"
        comps.write_text(comps_xml(groups))
        group = cr.RepomdRecord("group", str(comps))
        group.fill(cr.SHA256)
        group_gz = group.compress_and_fill(cr.SHA256, cr.GZ_COMPRESSION)
        group_gz.type = "group_gz"
        group.rename_file()
        group_gz.rename_file()
        repomd.set_record(group)
        repomd.set_record(group_gz)
        paths["group"] = directory / group.location_href
    (repodata / "repomd.xml").write_text(repomd.xml_dump())
    return BuiltRepo(
        path=directory,
        repomd=repodata / "repomd.xml",
        primary=paths["primary"],
        filelists=paths["filelists"],
        comps=paths.get("group"),
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
