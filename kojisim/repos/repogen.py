"""Writing yum repodata with createrepo_c: primary, filelists, other, comps group file, repomd.

Synthesised packages are written from the simulator's ``Rpm`` records.  Packages that came
from loaded repodata ("base" packages) are streamed from the original XML files, keeping only
those still in the repo, so large distributions never need to be held in memory twice.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import createrepo_c as cr

from kojisim.core.model import Rpm
from kojisim.core.rpmdeps import DEP_KINDS, dep_to_cr

log = logging.getLogger(__name__)

_KINDS = (
    ("primary", cr.PrimaryXmlFile),
    ("filelists", cr.FilelistsXmlFile),
    ("other", cr.OtherXmlFile),
)


@dataclass
class BaseRepodata:
    """An existing repodata directory whose packages are reused."""

    path: Path
    locations: dict[str, Path]

    @classmethod
    def load(cls, repodata: Path) -> BaseRepodata:
        repomd = cr.Repomd(str(repodata / "repomd.xml"))
        locations = {rec.type: repodata.parent / rec.location_href for rec in repomd.records}
        if "primary" not in locations:
            raise ValueError(f"{repodata} has no primary metadata")
        return cls(repodata, locations)


def location_href(rpm: Rpm) -> str:
    """Package location inside a Koji repo (through the ``toplink`` symlink)."""
    return f"toplink/packages/{rpm.name}/{rpm.version}/{rpm.release}/{rpm.arch}/{rpm.nvra}.rpm"


def to_cr_package(rpm: Rpm) -> Any:
    """A createrepo_c package object for a synthesised rpm."""
    pkg = cr.Package()
    pkg.pkgId = rpm.pkgid
    pkg.checksum_type = "sha256"
    pkg.name = rpm.name
    pkg.epoch = str(rpm.epoch or 0)
    pkg.version = rpm.version
    pkg.release = rpm.release
    pkg.arch = rpm.arch
    pkg.summary = rpm.summary
    pkg.description = rpm.summary
    pkg.url = ""
    pkg.rpm_license = "MIT"
    pkg.rpm_sourcerpm = rpm.sourcerpm or ""
    pkg.rpm_buildhost = "kojisim"
    pkg.location_href = location_href(rpm)
    pkg.time_file = pkg.time_build = rpm.buildtime
    pkg.size_package = pkg.size_installed = pkg.size_archive = rpm.size
    for kind in DEP_KINDS:
        setattr(pkg, kind, [dep_to_cr(dep) for dep in getattr(rpm, kind)])
    pkg.files = [("", os.path.dirname(path) + "/", os.path.basename(path)) for path in rpm.files]
    return pkg


def _stream_base(base: BaseRepodata, kind: str, writer: Any, keep: Callable[[str], bool]) -> None:
    path = base.locations.get(kind)
    if path is None:
        return

    def done(pkg: Any) -> bool:
        # primary's newpkgcb runs before the checksum is parsed, so filter here
        if keep(pkg.pkgId):
            writer.add_pkg(pkg)
        return True

    parser = {
        "primary": cr.xml_parse_primary,
        "filelists": cr.xml_parse_filelists,
        "other": cr.xml_parse_other,
    }[kind]
    if kind == "primary":
        parser(str(path), newpkgcb=None, pkgcb=done, warningcb=None, do_files=True)
    else:
        parser(str(path), newpkgcb=None, pkgcb=done, warningcb=None)


def write_repodata(
    arch_dir: Path,
    packages: Iterable[Rpm],
    comps_xml: str | None,
    base: BaseRepodata | None = None,
    keep_base: Callable[[str], bool] | None = None,
    base_count: int = 0,
) -> Path:
    """Write ``arch_dir/repodata`` (comps too unless ``comps_xml`` is None); returns its path."""
    repodata = arch_dir / "repodata"
    tmp = arch_dir / ".repodata.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    synth = [to_cr_package(rpm) for rpm in packages]
    repomd = cr.Repomd()
    for kind, cls in _KINDS:
        path = tmp / f"{kind}.xml.gz"
        writer = cls(str(path), cr.GZ_COMPRESSION)
        writer.set_num_of_pkgs(len(synth) + base_count)
        if base is not None and keep_base is not None:
            _stream_base(base, kind, writer, keep_base)
        for pkg in synth:
            writer.add_pkg(pkg)
        writer.close()
        repomd.set_record(_record(kind, path))
    if comps_xml is not None:
        _write_comps(tmp, comps_xml, repomd)
    (tmp / "repomd.xml").write_text(repomd.xml_dump())
    shutil.rmtree(repodata, ignore_errors=True)
    tmp.rename(repodata)
    return repodata


def _record(kind: str, path: Path) -> Any:
    record = cr.RepomdRecord(kind, str(path))
    record.fill(cr.SHA256)
    record.rename_file()
    return record


def _write_comps(repodata: Path, comps_xml: str, repomd: Any) -> None:
    comps = repodata / "comps.xml"
    comps.write_text(comps_xml)
    group = cr.RepomdRecord("group", str(comps))
    group.fill(cr.SHA256)
    group_gz = group.compress_and_fill(cr.SHA256, cr.GZ_COMPRESSION)
    group_gz.type = "group_gz"
    group.rename_file()
    group_gz.rename_file()
    repomd.set_record(group)
    repomd.set_record(group_gz)


def link_base_repodata(arch_dir: Path, base: BaseRepodata, comps_xml: str) -> Path:
    """Serve existing repodata as it is (symlinked), adding a comps group file if it has none."""
    repodata = arch_dir / "repodata"
    repodata.mkdir(parents=True, exist_ok=True)
    original = cr.Repomd(str(base.path / "repomd.xml"))
    repomd = cr.Repomd()
    for record in original.records:
        source = base.path.parent / record.location_href
        (repodata / source.name).symlink_to(source.resolve())
        repomd.set_record(record)
    if not any(rec.type == "group" for rec in original.records):
        _write_comps(repodata, comps_xml, repomd)
    (repodata / "repomd.xml").write_text(repomd.xml_dump())
    return repodata
