"""The simulator as a whole: state, clock, repos, engine, faults, messages, ticker thread."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from kojisim.control.faults import FaultInjector
from kojisim.control.messaging import TOPIC_PREFIX, Publisher
from kojisim.control.ops import SimOps
from kojisim.core import history
from kojisim.core.clock import SimClock
from kojisim.core.model import REPO_DELETED, Build
from kojisim.core.state import SimState
from kojisim.engine.engine import Engine
from kojisim.repos.repos import RepoManager
from kojisim.scenarios import dirload
from kojisim.scenarios.scenario import (
    Loader,
    Scenario,
    compressed,
    parse_settings,
    read_file,
)

log = logging.getLogger(__name__)


class Sim:
    """One simulated Koji instance."""

    def __init__(
        self,
        scenario_path: Path,
        topdir: Path,
        hub_url: str = "http://127.0.0.1/kojihub",
        files_url: str = "http://127.0.0.1/kojifiles",
        seed: int | None = None,
        speed: float | None = None,
        compress: float = 1.0,
        amqp_url: str | None = None,
        read_only: bool = False,
        topic_prefix: str = TOPIC_PREFIX,
    ) -> None:
        started = time.monotonic()
        #: a read-only hub (a secondary Koji as Koschei sees it) refuses every write call
        self.read_only = read_only
        #: write calls refused so far, by method name
        self.refused_writes: dict[str, int] = {}
        self.topdir = topdir
        self.hub_url = hub_url
        self.files_url = files_url
        data, base_dir, repo_dir = _read(scenario_path)
        if compress != 1.0:
            data = compressed(data, compress)
        self.scenario: Scenario = parse_settings(data, base_dir, seed)
        repo_dir = repo_dir or self.scenario.repo_dir
        self.clock = SimClock(self.scenario.start, 1.0 if speed is None else speed)
        self.state = SimState(self.clock)
        self.faults = FaultInjector()
        with self.state.lock:
            imports = Loader(self.state, data).load()
            self.repos = RepoManager(
                self.state, topdir, self.scenario.keep_repos, self.scenario.regen_delay
            )
            self.engine = Engine(self.state, self.repos, topdir, self.scenario.engine)
            self.ops = SimOps(self.state, self.engine, self.repos, self.faults)
            if repo_dir is not None:
                imports += self._load_directory(repo_dir, data)
            self._initial_repos(imports)
            self.engine.timeline = list(self.scenario.timeline)
            self.engine.timeline_handler = self.ops.timeline
            self.publisher = Publisher(
                self.state, hub_url.rsplit("/", 1)[0], files_url, amqp_url, topic_prefix
            )
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        log.info(
            "scenario %s loaded in %.1fs: %d builds, %d rpms",
            self.scenario.name,
            time.monotonic() - started,
            len(self.state.builds),
            len(self.state.rpms),
        )

    def _load_directory(self, path: Path, data: dict[str, object]) -> list[Build]:
        loader = Loader(self.state, data)
        tag = self.state.need_tag(loader.default_tag())
        owner = self.state.need_user("releng")
        base, builds = dirload.populate(self.state, path, tag.id, owner.id)
        for target in self.state.targets.values():
            if target.dest_tag_id == tag.id:
                arches = history.tag_arches(self.state, target.build_tag_id) or ["x86_64"]
                pkgids = {
                    r.pkgid
                    for r in self.state.rpms.values()
                    if r.origin == "base" and r.arch != "src"
                }
                self.repos.bases[target.build_tag_id] = (base, arches[0], pkgids)
        return builds

    def _initial_repos(self, imports: list[Build]) -> None:
        """First repo of every target's build tag, then build tasks for the loaded builds."""
        channel = self.state.need_channel("default")
        repos = {}
        for first in sorted(self.state.targets.values(), key=lambda t: t.id):
            if first.build_tag_id not in repos:
                repos[first.build_tag_id] = self.engine.new_repo(first.build_tag_id, wait=True)
        self.repos.pending.clear()
        by_dest = {t.dest_tag_id: t for t in self.state.targets.values()}
        for build in imports:
            tag_ids = [
                e.tag_id
                for t in self.state.tags
                for e in self.state.tag_listing_pkg[t].get(build.package_id, [])
                if e.build_id == build.id
            ]
            target = next((by_dest[t] for t in tag_ids if t in by_dest), None)
            if target is not None:
                self.engine.import_task(
                    build, target.name, target.build_tag_id, repos[target.build_tag_id], channel.id
                )

    def refuse_write(self, method: str) -> None:
        """Count a write call refused by a read-only hub."""
        with self.state.lock:
            self.refused_writes[method] = self.refused_writes.get(method, 0) + 1
        log.warning("read-only hub refused %s", method)

    # -- running --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the repo worker and the ticker (which applies due transitions as time passes)."""
        self.repos.start()
        self._ticker = threading.Thread(target=self._tick_loop, name="kojisim-ticker", daemon=True)
        self._ticker.start()

    def _tick_loop(self) -> None:
        while not self._stop.wait(0.2):
            if self.clock.speed <= 0:
                continue
            try:
                with self.state.lock:
                    self.engine.tick()
            except Exception:
                log.exception("tick failed")

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        self.repos.stop()
        self.publisher.stop()

    def damage_repodata(self, repo_id: int, arch: str | None, kind: str, how: str) -> str:
        """Corrupt or truncate one repodata file of a repo on disk; returns its path."""
        repo = self.state.repos.get(repo_id)
        if repo is None or repo.state == REPO_DELETED:
            raise ValueError(f"no live repo {repo_id}")
        arch = arch or repo.arches[0]
        repodata = (
            self.repos.repo_dir(self.state.tags[repo.tag_id].name, repo.id) / arch / "repodata"
        )
        matches = sorted(
            p for p in repodata.iterdir() if kind in p.name and not p.name.startswith("repomd")
        )
        if not matches:
            raise ValueError(f"no {kind} file in {repodata}")
        path = matches[0].resolve() if not matches[0].is_symlink() else matches[0]
        data = path.read_bytes()
        if path.is_symlink():
            path.unlink()
        damaged = (
            data[: len(data) // 2]
            if how == "truncate"
            else data[:16] + b"\x00garbage\x00" + data[32:]
        )
        path.write_bytes(damaged)
        return str(path)


def _read(path: Path) -> tuple[dict[str, object], Path, Path | None]:
    """Scenario data, its base directory, and a repo directory when ``path`` is one."""
    if path.is_dir():
        sources = dirload.read_sources(path)
        return dirload.scenario_for(path, sources), path, path
    return read_file(path), path.parent, None
