"""Koji calls that make the primary's repos for secondary mode: the build tag's external
repo and ``newRepo``.

A sibling of :mod:`builds.koji` (which holds the sessions, the error classes and the
rules every Koji call follows); nothing else calls these Koji methods.  They change the
primary Koji and need the ``repo`` (newRepo) and ``admin`` (external repos) permissions.
"""

from __future__ import annotations

import logging

from builds.koji import Session, koji_call

logger = logging.getLogger(__name__)


@koji_call
def new_repo(session: Session, tag: str) -> int:
    """Start regenerating a build tag's repo (a newRepo task; its id).  Not idempotent, but a
    surplus regeneration only costs Koji a little work."""
    return int(session.newRepo(tag))


@koji_call
def use_external_repo(session: Session, *, tag: str, name: str, url: str) -> None:
    """Make the external repo ``name`` (at ``url``) the tag's only one, so the tag's next
    repo holds its packages (upstream's repo_regen).  Safe to run again: a run cut short is
    completed by the next; an existing external repo of that name keeps its URL."""
    links = session.getTagExternalRepos(tag_info=tag) or []
    for link in links:
        if link["external_repo_name"] != name:
            session.removeExternalRepoFromTag(tag, link["external_repo_name"])
            logger.info("removed external repo %s from %s", link["external_repo_name"], tag)
    if any(link["external_repo_name"] == name for link in links):
        return
    if not session.getExternalRepo(name):
        session.createExternalRepo(name, url)
    session.addExternalRepoToTag(tag, name, 0)
    logger.info("external repo %s (%s) added to %s", name, url, tag)
