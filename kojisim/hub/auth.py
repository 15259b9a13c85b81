"""Sessions as the hub keeps them: login, renewal, logout and call-number checks.

The client sends ``Koji-Session-Id``/``-Key``/``-Callnum`` headers (or, for old hubs,
``session-id``/``session-key``/``callnum`` query arguments).  A call number lower than the
last recorded one is a SequenceError; an equal one is a RetryError, because the hub only
records a call number when the call changed something: a read-only call may be retried, a
``build`` whose reply was lost may not.
"""

from __future__ import annotations

import secrets
import string
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import koji

from kojisim.core.model import Session, User
from kojisim.core.state import SimState

RETRY_WHITELIST = {
    "host.taskWait",
    "host.taskUnwait",
    "host.taskSetWait",
    "host.updateHost",
    "host.setBuildRootState",
    "repoExpire",
    "repoDelete",
    "repoProblem",
}
AUTH_METHODS = ("login", "sslLogin")


@dataclass
class AuthInfo:
    session: Session | None = None
    user: User | None = None
    callnum: int | None = None


def _credentials(headers: Mapping[str, str], query: str) -> tuple[int, str, int | None] | None:
    lower = {k.lower(): v for k, v in headers.items()}
    if "koji-session-id" in lower:
        callnum = lower.get("koji-session-callnum", lower.get("koji-callnum"))
        return int(lower["koji-session-id"]), lower.get("koji-session-key", ""), _int(callnum)
    if not query:
        return None
    args = urllib.parse.parse_qs(query)
    if "session-id" not in args:
        return None
    try:
        key = args["session-key"][0]
    except KeyError as exc:
        raise koji.AuthError(f"{exc} not specified in session args") from exc
    return int(args["session-id"][0]), key, _int(args.get("callnum", [None])[0])


def _int(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise koji.AuthError(f"Invalid callnum: {value!r}") from exc


def authenticate(state: SimState, headers: Mapping[str, str], query: str, method: str) -> AuthInfo:
    """Check the session a request carries (Koji's auth.Session constructor)."""
    creds = _credentials(headers, query)
    if creds is None:
        return AuthInfo()
    session_id, key, callnum = creds
    session = state.sessions.get(session_id)
    if session is None or session.key != key or session.closed:
        raise koji.AuthError("Invalid session or bad credentials")
    if session.expired and method not in AUTH_METHODS:
        raise koji.AuthExpired(f'session "{session.id}" has expired')
    last = session.callnum
    if callnum is not None and last is not None:
        if last > callnum:
            raise koji.SequenceError(f"{last} > {callnum} (session {session.id})")
        if last == callnum and method not in RETRY_WHITELIST:
            raise koji.RetryError(
                f"unable to retry call {callnum} (method {method}) for session {session.id}"
            )
    if session.expired:
        return AuthInfo(session=session, callnum=callnum)
    user = state.users.get(session.user_id)
    if user is None or user.status != 0:
        raise koji.AuthError(f"logins by {user.name if user else session.user_id} are not allowed")
    return AuthInfo(session=session, user=user, callnum=callnum)


def create_session(
    state: SimState, user: User, authtype: int, renew: Session | None = None
) -> dict[str, Any]:
    """A new session (or a renewed key for an expired one); returns the client's sinfo."""
    alnum = string.ascii_letters + string.digits
    key = f"{user.id}-" + "".join(secrets.choice(alnum) for _ in range(19))
    if renew is not None:
        renew.key = key
        renew.expired = False
        renew.callnum = None
        session = renew
    else:
        session = Session(
            state.next_id("session"), key, user.id, authtype, start_ts=state.clock.now()
        )
        state.sessions[session.id] = session
    return {"session-id": session.id, "session-key": session.key, "header-auth": True}


def password_login(
    state: SimState, auth: AuthInfo, user: str, password: Any, renew: bool
) -> dict[str, Any]:
    if not isinstance(password, str) or not password:
        raise koji.AuthError("invalid username or password")
    if auth.user is not None:
        raise koji.AuthError("Already logged in")
    account = state.get_user(user)
    if account is None or account.password is None or account.password != password:
        raise koji.AuthError("invalid username or password")
    if account.status != 0:
        raise koji.AuthError(f"logins by {account.name} are not allowed")
    previous = auth.session if renew and auth.session is not None else None
    return create_session(state, account, koji.AUTHTYPES["NORMAL"], previous)


def ssl_login(
    state: SimState, auth: AuthInfo, ssl_user: str | None, proxyuser: str | None, renew: bool
) -> dict[str, Any]:
    """Certificate login: the user is the CN of a verified client certificate."""
    if auth.user is not None:
        raise koji.AuthError("Already logged in")
    if not ssl_user:
        raise koji.AuthError("could not verify client: NONE")
    if proxyuser:
        raise koji.AuthError(f"{ssl_user} is not authorized to login other users")
    account = state.get_user(ssl_user)
    if account is None:
        account = state.register("user", User(state.next_id("user"), ssl_user))
    previous = auth.session if renew and auth.session is not None else None
    return create_session(state, account, koji.AUTHTYPES["SSL"], previous)


def logout(state: SimState, auth: AuthInfo, session_id: int | None) -> None:
    if auth.user is None or auth.session is None:
        raise koji.AuthError("Not logged in")
    target = state.sessions.get(int(session_id)) if session_id else auth.session
    if target is None:
        raise koji.ActionNotAllowed("only admins or owner may logout other session")
    if target.user_id != auth.user.id and "admin" not in auth.user.perms:
        raise koji.ActionNotAllowed("only admins or owner may logout other session")
    target.expired = target.closed = True
