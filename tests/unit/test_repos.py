"""resolution.repos: librepo downloads from a loopback HTTP server into the shared cache."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import socket
import time
from pathlib import Path

import pytest

from resolution.repos import (
    DownloadOptions,
    LocalRepo,
    RepoCache,
    RepoCacheFull,
    RepoDescriptor,
    RepoDownloadError,
    RepoNotFound,
)
from tests.repo_builder import Rpm, serve_directory, write_repo

ARCH = "x86_64"
FAST = DownloadOptions(connect_timeout=2, low_speed_time=1, attempts=1)
PACKAGES = [Rpm("bash", files=["/bin/sh"]), Rpm("make", requires=["/bin/sh"])]


def descriptor(repo_id: int, tag: str = "f42-build") -> RepoDescriptor:
    return RepoDescriptor("primary", tag, repo_id)


def publish(topdir: Path, repo_id: int, tag: str = "f42-build", packages=PACKAGES, arch=ARCH):
    """Write a repo where Koji would publish it under ``topdir``."""
    return write_repo(topdir / "repos" / tag / str(repo_id) / arch, packages, {"build": ["bash"]})


@pytest.fixture
def topdir(tmp_path):
    path = tmp_path / "koji"
    for repo_id in (1, 2, 3):
        publish(path, repo_id)
    return path


@pytest.fixture
def server(topdir):
    with serve_directory(topdir) as running:
        yield running


@pytest.fixture
def cache(tmp_path):
    return RepoCache(tmp_path / "cache", capacity=2, options=FAST)


def cached_entries(cache: RepoCache) -> list[str]:
    return sorted(p.name for p in cache.root.iterdir() if not p.name.endswith(".lock"))


def repomd_requests(server) -> int:
    return sum(path.endswith("/repomd.xml") for path in server.requests)


# -- descriptors -----------------------------------------------------------------------------


def test_descriptor_string_url_and_order():
    repo = RepoDescriptor("primary", "f29-build", 888027)
    assert str(repo) == repo.key == "primary-f29-build-888027"
    assert (
        repo.url("https://primary-koji.test/", "x86_64")
        == "https://primary-koji.test/repos/f29-build/888027/x86_64"
    )
    later = RepoDescriptor("another", "a-tag", 888028)
    assert sorted([later, repo]) == [repo, later]
    assert max(later, repo) is later


@pytest.mark.parametrize(
    ("koji_id", "tag", "repo_id"),
    [("primary", "../etc", 1), ("primary", ".hidden", 1), ("a/b", "tag", 1), ("p", "t", -1)],
)
def test_descriptor_rejects_names_unfit_for_paths(koji_id, tag, repo_id):
    with pytest.raises(ValueError, match="not a"):
        RepoDescriptor(koji_id, tag, repo_id)


# -- download and hits -----------------------------------------------------------------------


def test_download_then_cache_hit(cache, server, topdir):
    with cache.get(descriptor(1), server.url, ARCH) as local:
        assert isinstance(local, LocalRepo)
        assert local.path == cache.root / "primary-f42-build-1"
        for path in (local.repomd, local.primary, local.filelists, local.comps):
            assert path is not None
            assert path.is_file()
            assert path.is_relative_to(local.path)
        assert b"<name>make</name>" in gzip.decompress(local.primary.read_bytes())
        assert "bash" in local.comps.read_text()
        assert local.solv_cachedir.is_dir()
    first = len(server.requests)
    assert not any("other.xml" in path for path in server.requests)  # not needed
    with cache.get(descriptor(1), server.url + "/", ARCH) as again:
        assert again == local
    assert len(server.requests) == first  # a hit does not touch the network
    assert cached_entries(cache) == ["primary-f42-build-1"]


def test_a_new_cache_object_finds_what_another_one_downloaded(cache, server):
    with cache.get(descriptor(1), server.url, ARCH):
        pass
    other = RepoCache(cache.root, capacity=2, options=FAST)
    with other.get(descriptor(1), server.url, ARCH) as local:
        assert local.primary.is_file()
    assert repomd_requests(server) == 1


def test_for_cachedir_uses_the_repodata_subdirectory(tmp_path):
    assert RepoCache.for_cachedir(tmp_path, 3).root == tmp_path / "repodata"


def test_another_arch_replaces_the_entry(cache, server, topdir):
    publish(topdir, 1, arch="aarch64", packages=[Rpm("only-on-arm", arch="aarch64")])
    with cache.get(descriptor(1), server.url, ARCH) as local:
        assert b"only-on-arm" not in gzip.decompress(local.primary.read_bytes())
    with cache.get(descriptor(1), server.url, "aarch64") as local:
        assert b"only-on-arm" in gzip.decompress(local.primary.read_bytes())
    assert repomd_requests(server) == 2


# -- failures leave nothing behind ----------------------------------------------------------


def test_missing_repo_is_repo_not_found_and_nothing_is_cached(cache, server):
    with pytest.raises(RepoNotFound) as info, cache.get(descriptor(99), server.url, ARCH):
        pass
    assert str(info.value) == f"repo not found at {server.url}/repos/f42-build/99/x86_64"
    assert cached_entries(cache) == []


def test_checksum_mismatch_is_an_error_and_nothing_is_cached(cache, server, topdir):
    built = publish(topdir, 1)
    data = bytearray(built.primary.read_bytes())
    data[len(data) // 2] ^= 0xFF
    built.primary.write_bytes(bytes(data))
    with pytest.raises(RepoDownloadError) as info, cache.get(descriptor(1), server.url, ARCH):
        pass
    message = str(info.value)
    assert "\n" not in message
    assert "checksum doesn't match" in message
    assert "primary" in message
    assert cached_entries(cache) == []
    publish(topdir, 1)  # repaired: the next attempt downloads it
    with cache.get(descriptor(1), server.url, ARCH) as local:
        assert local.primary.is_file()


def test_truncated_file_is_an_error_and_nothing_is_cached(cache, server, topdir):
    built = publish(topdir, 2)
    data = built.filelists.read_bytes()
    built.filelists.write_bytes(data[: len(data) // 2])
    with (
        pytest.raises(RepoDownloadError, match="filelists"),
        cache.get(descriptor(2), server.url, ARCH),
    ):
        pass
    assert cached_entries(cache) == []


def test_missing_metadata_file_is_a_download_error_not_a_missing_repo(cache, server, topdir):
    publish(topdir, 3).primary.unlink()
    with pytest.raises(RepoDownloadError, match="404"), cache.get(descriptor(3), server.url, ARCH):
        pass
    assert cached_entries(cache) == []


def test_unreachable_server_is_a_download_error(cache):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        pytest.raises(RepoDownloadError, match="onnect"),
        cache.get(descriptor(1), f"http://127.0.0.1:{port}", ARCH),
    ):
        pass
    assert cached_entries(cache) == []


def test_a_server_that_never_answers_times_out(cache):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)  # connections are accepted by the kernel, never answered
        started = time.monotonic()
        with (
            pytest.raises(RepoDownloadError),
            cache.get(descriptor(1), f"http://127.0.0.1:{sock.getsockname()[1]}", ARCH),
        ):
            pass
    assert time.monotonic() - started < 60  # a guard against hanging, not a speed figure
    assert cached_entries(cache) == []


def test_a_stale_partial_download_is_replaced(cache, server):
    stale = cache.root / ".partial-primary-f42-build-1"
    (stale / "repodata").mkdir(parents=True)
    (stale / "repodata" / "repomd.xml").write_text("half")
    with cache.get(descriptor(1), server.url, ARCH) as local:
        assert "half" not in local.repomd.read_text()
    assert not stale.exists()


def test_an_entry_with_a_broken_manifest_is_downloaded_again(cache, server):
    with cache.get(descriptor(1), server.url, ARCH) as local:
        pass
    (local.path / "manifest.json").write_text("{")
    with cache.get(descriptor(1), server.url, ARCH) as again:
        assert json.loads((again.path / "manifest.json").read_text())["key"] == again.descriptor.key
    assert repomd_requests(server) == 2


# -- capacity --------------------------------------------------------------------------------


def test_least_recently_used_entry_is_evicted_first(cache, server):
    for repo_id in (1, 2, 1, 3):  # 1 is used again after 2, so 2 is the oldest
        with cache.get(descriptor(repo_id), server.url, ARCH):
            pass
    assert cache.entries() == ["primary-f42-build-1", "primary-f42-build-3"]
    assert not (cache.root / ".primary-f42-build-2.lock").exists()


def test_entries_in_use_are_never_evicted(tmp_path, server):
    cache = RepoCache(tmp_path / "cache", capacity=1, options=FAST)
    with cache.get(descriptor(1), server.url, ARCH) as in_use:
        with (
            pytest.raises(RepoCacheFull, match="all 1 entries are in use"),
            cache.get(descriptor(2), server.url, ARCH),
        ):
            pass
        assert in_use.primary.is_file()
    with cache.get(descriptor(2), server.url, ARCH):
        pass
    assert cache.entries() == ["primary-f42-build-2"]


def test_clear_removes_entries_not_in_use(tmp_path, server):
    cache = RepoCache(tmp_path / "cache", capacity=3, options=FAST)
    for repo_id in (1, 2):
        with cache.get(descriptor(repo_id), server.url, ARCH):
            pass
    with cache.get(descriptor(3), server.url, ARCH):
        assert cache.clear() == 2
        assert cache.entries() == ["primary-f42-build-3"]
    assert cache.clear() == 1
    assert cached_entries(cache) == []


def test_capacity_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="capacity"):
        RepoCache(tmp_path, capacity=0)


# -- several processes -----------------------------------------------------------------------


def fetch_in_child(root: str, topurl: str, results) -> None:
    """Run in a separate process: fetch repo 1 and report its primary path and content."""
    cache = RepoCache(root, capacity=2, options=FAST)
    with cache.get(descriptor(1), topurl, ARCH) as local:
        results.put((str(local.primary), local.primary.read_bytes()))


def test_processes_fetching_the_same_repo_at_once_download_it_once(tmp_path, topdir):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    with serve_directory(topdir, delay=0.2) as slow:
        children = [
            context.Process(
                target=fetch_in_child, args=(str(tmp_path / "cache"), slow.url, results)
            )
            for _ in range(3)
        ]
        for child in children:
            child.start()
        try:
            answers = [results.get(timeout=60) for _ in children]
        finally:
            for child in children:
                child.join(timeout=30)
                if child.is_alive():
                    child.kill()
                    child.join()
        assert [child.exitcode for child in children] == [0, 0, 0]
        assert repomd_requests(slow) == 1
    assert len({path for path, _ in answers}) == 1
    assert len({content for _, content in answers}) == 1
    results.close()
    results.join_thread()


def test_a_reader_holds_the_entry_while_another_process_evicts(tmp_path, server):
    """While this process uses an entry, another cache object can neither evict it nor
    squeeze past the capacity."""
    root = tmp_path / "cache"
    mine = RepoCache(root, capacity=2, options=FAST)
    theirs = RepoCache(root, capacity=2, options=FAST)
    with mine.get(descriptor(1), server.url, ARCH) as held:
        for repo_id in (2, 3):
            with theirs.get(descriptor(repo_id), server.url, ARCH):
                pass
        assert held.primary.is_file()
        assert theirs.entries()[-1] == "primary-f42-build-3"
        assert "primary-f42-build-1" in theirs.entries()
    assert len(theirs.entries()) == 2
