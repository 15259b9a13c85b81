"""Koji's one non-idempotent call, ``build``: submitted so that one call never makes two tasks.

Part of the Koji adapter (:mod:`builds.koji` holds the sessions, fault classes and every
other call).  Before ``build`` the caller takes :func:`last_build_task_id`, the floor
above which the task it is about to make will be; when ``build``'s outcome is unclear
(the reply was lost, or the client's retry of a call the hub had run is refused with
RetryError), only a task of ours above that floor with exactly the same arguments is
ours: an older task with the same SRPM (a rebuild of the same package) never is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from builds.koji import (
    CALL_FAILURES,
    UNCLEAR_FAILURES,
    FaultKind,
    KojiError,
    KojiUnavailable,
    Session,
    describe,
    koji_call,
    koji_error,
)

logger = logging.getLogger(__name__)


class SubmissionUnclear(KojiUnavailable):
    """Koji may have made the build task, and could not be asked whether it did."""


@koji_call
def last_build_task_id(session: Session) -> int:
    """The id of the newest build task of the logged-in user (0 for none): the floor above
    which a build submitted next is looked for (Koji's task ids only grow)."""
    tasks = session.listTasks(opts=_own_builds(session), queryOpts={"order": "-id", "limit": 1})
    tasks = tasks or []
    return int(tasks[0]["id"]) if tasks else 0


def submit_build(
    session: Session,
    *,
    srpm_url: str,
    target: str | None,
    opts: Mapping[str, Any],
    priority: int,
    after_task_id: int,
) -> int:
    """Submit a build and return its task id, never creating two tasks for one call.

    ``build`` is not idempotent.  When its outcome is unclear (the reply was lost, or
    the retried call number is refused with RetryError), the task it may have created
    (newer than ``after_task_id``, see :func:`last_build_task_id`) is looked up by
    method, owner and arguments; if Koji cannot be asked, :class:`SubmissionUnclear`.
    """
    try:
        return int(session.build(srpm_url, target, dict(opts), priority=priority))
    except UNCLEAR_FAILURES as exc:
        unclear = exc
    except CALL_FAILURES as exc:  # Koji answered: nothing was made
        raise koji_error("submit_build", exc) from exc
    try:
        task_id = find_submitted_build(
            session, srpm_url=srpm_url, target=target, opts=opts, after_task_id=after_task_id
        )
    except KojiError as exc:
        raise SubmissionUnclear(
            f"Koji submit_build failed: {describe(unclear)}; whether the task exists is "
            f"unknown ({exc})",
            "submit_build",
            FaultKind.INFRASTRUCTURE,
        ) from exc
    if task_id is None:
        raise koji_error("submit_build", unclear) from unclear
    logger.warning("build(%s) reply lost (%s); found its task %s", srpm_url, unclear, task_id)
    return task_id


@koji_call
def find_submitted_build(
    session: Session,
    *,
    srpm_url: str,
    target: str | None,
    opts: Mapping[str, Any],
    after_task_id: int,
) -> int | None:
    """Our build task newer than ``after_task_id`` with exactly these arguments, if any."""
    query = {**_own_builds(session), "decode": True}
    tasks = session.listTasks(opts=query, queryOpts={"order": "-id", "limit": 50}) or []
    for task in tasks:
        request = task.get("request") or []
        if int(task["id"]) <= after_task_id:
            break
        if request[:2] == [srpm_url, target] and _same_opts(request, opts):
            return int(task["id"])
    return None


def _own_builds(session: Session) -> dict[str, Any]:
    """listTasks options for the build tasks of the logged-in user."""
    user = session.getLoggedInUser()
    return {"method": "build", **({"owner": int(user["id"])} if user else {})}


def _same_opts(request: Sequence[Any], opts: Mapping[str, Any]) -> bool:
    submitted = request[2] if len(request) > 2 and isinstance(request[2], dict) else {}
    return all(submitted.get(key) == value for key, value in opts.items())
