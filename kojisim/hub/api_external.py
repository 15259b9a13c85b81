"""External repos: created, looked up, added to and removed from tags (Koji's shapes).

The simulator keeps which external repos a tag has (current state, not versioned by
event); its generated repos do not merge their packages in (see the README's limits).
"""

from __future__ import annotations

from typing import Any

import koji

from kojisim.core.model import ExternalRepo, TagExternalRepo
from kojisim.hub.registry import Call, export


def _require_admin(call: Call) -> None:
    if call.user is None or "admin" not in call.user.perms:
        who = f"logged in as {call.user.name}" if call.user else "user not logged in"
        raise koji.ActionNotAllowed(f"admin permission required ({who})")


def _find(call: Call, info: Any) -> ExternalRepo | None:
    repos = call.sim.state.external_repos
    if isinstance(info, int):
        return repos.get(info)
    return next((r for r in repos.values() if r.name == info), None)


def _need(call: Call, info: Any) -> ExternalRepo:
    repo = _find(call, info)
    if repo is None:
        raise koji.GenericError(f"No such repo: {info}")
    return repo


def _render(repo: ExternalRepo) -> dict[str, Any]:
    return {"id": repo.id, "name": repo.name, "url": repo.url}


@export(writes=True)
def createExternalRepo(call: Call, name: str, url: str) -> dict[str, Any]:
    _require_admin(call)
    if _find(call, name) is not None:
        raise koji.GenericError(f"An external repo named '{name}' already exists")
    url = url if url.endswith("/") else url + "/"  # Koji stores the URL with a slash
    repo = ExternalRepo(call.sim.state.next_id("external_repo"), name, url)
    call.sim.state.external_repos[repo.id] = repo
    return _render(repo)


@export()
def getExternalRepo(
    call: Call, info: Any, strict: bool = False, event: Any = None
) -> dict[str, Any] | None:
    repo = _need(call, info) if strict else _find(call, info)
    return None if repo is None else _render(repo)


@export()
def listExternalRepos(
    call: Call, info: Any = None, url: Any = None, event: Any = None, queryOpts: Any = None
) -> list[dict[str, Any]]:
    repos = call.sim.state.external_repos.values()
    return [
        _render(r)
        for r in sorted(repos, key=lambda r: r.id)
        if (info is None or info in (r.id, r.name)) and (url is None or r.url == url)
    ]


@export(writes=True)
def addExternalRepoToTag(
    call: Call,
    tag_info: Any,
    repo_info: Any,
    priority: int,
    merge_mode: str = "koji",
    arches: Any = None,
) -> None:
    _require_admin(call)
    tag = call.sim.state.need_tag(tag_info)
    repo = _need(call, repo_info)
    links = call.sim.state.tag_external_repos[tag.id]
    if any(link.external_repo_id == repo.id for link in links):
        raise koji.GenericError(f"tag {tag.name} already associated with external repo {repo.name}")
    if any(link.priority == int(priority) for link in links):
        raise koji.GenericError(
            f"tag {tag.name} already has an external repo at priority {priority}"
        )
    links.append(TagExternalRepo(repo.id, int(priority), merge_mode, arches))


@export(writes=True)
def removeExternalRepoFromTag(call: Call, tag_info: Any, repo_info: Any) -> None:
    _require_admin(call)
    tag = call.sim.state.need_tag(tag_info)
    repo = _need(call, repo_info)
    links = call.sim.state.tag_external_repos[tag.id]
    kept = [link for link in links if link.external_repo_id != repo.id]
    if len(kept) == len(links):
        raise koji.GenericError(f"external repo {repo.name} not associated with tag {tag.name}")
    call.sim.state.tag_external_repos[tag.id] = kept


@export()
def getTagExternalRepos(
    call: Call, tag_info: Any = None, repo_info: Any = None, event: Any = None
) -> list[dict[str, Any]]:
    state = call.sim.state
    tag_ids = [state.need_tag(tag_info).id] if tag_info is not None else list(state.tags)
    repo = _need(call, repo_info) if repo_info is not None else None
    rows = []
    for tag_id in tag_ids:
        for link in sorted(state.tag_external_repos.get(tag_id, []), key=lambda x: x.priority):
            if repo is not None and link.external_repo_id != repo.id:
                continue
            external = state.external_repos[link.external_repo_id]
            rows.append(
                {
                    "tag_id": tag_id,
                    "tag_name": state.tags[tag_id].name,
                    "external_repo_id": external.id,
                    "external_repo_name": external.name,
                    "url": external.url,
                    "merge_mode": link.merge_mode,
                    "arches": link.arches,
                    "priority": link.priority,
                }
            )
    return rows


@export()
def getExternalRepoList(call: Call, tag_info: Any, event: Any = None) -> list[dict[str, Any]]:
    """The external repos of a tag (inheritance not followed)."""
    return getTagExternalRepos(call, tag_info)
