"""Hub methods: versions, events, sessions, users, permissions, channels and hosts."""

from __future__ import annotations

import re
from typing import Any

import koji

from kojisim import HUB_VERSION
from kojisim.core.util import apply_query_opts, koji_time, split_arches
from kojisim.hub import auth, render
from kojisim.hub.registry import METHODS, Call, export

# -- versions, introspection -------------------------------------------------------------


@export()
def getAPIVersion(call: Call) -> int:
    return int(koji.API_VERSION)


@export()
def getKojiVersion(call: Call) -> str:
    return HUB_VERSION


@export()
def hello(call: Call, *args: Any) -> str:
    return "Hello World"


@export()
def echo(call: Call, *args: Any) -> list[Any]:
    return list(args)


@export(name="system.listMethods")
def system_listMethods(call: Call) -> list[str]:
    return sorted(METHODS)


@export()
def showSession(call: Call) -> str:
    if call.session is None or call.user is None:
        return "session: not logged in"
    return f"session {call.session.id}: user {call.user.name}"


# -- events ---------------------------------------------------------------------------------


@export()
def getLastEvent(call: Call, before: Any = None) -> dict[str, Any]:
    events = call.sim.state.events
    if before is not None:
        if isinstance(before, bool) or not isinstance(before, int | float):
            raise koji.GenericError(f"Invalid type for before: {type(before)}")
        events = [e for e in events if e.ts < before]
    if not events:
        raise koji.GenericError("query returned no rows")
    last = events[-1]
    return {"id": last.id, "ts": last.ts}


@export()
def getEvent(call: Call, id: int) -> dict[str, Any]:
    return {"id": int(id), "ts": call.sim.state.event_ts(int(id))}


# -- sessions -------------------------------------------------------------------------------


# login and sslLogin do not record call numbers: a renewal restarts the client's count at 0
@export()
def login(
    call: Call,
    user: str,
    password: Any,
    opts: Any = None,
    renew: bool = False,
    exclusive: bool = False,
) -> Any:
    return auth.password_login(call.sim.state, call.extra["auth"], user, password, renew)


@export()
def sslLogin(
    call: Call,
    proxyuser: Any = None,
    proxyauthtype: Any = None,
    renew: bool = False,
    exclusive: Any = None,
) -> Any:
    return auth.ssl_login(call.sim.state, call.extra["auth"], call.ssl_user, proxyuser, renew)


@export(writes=True)
def logout(call: Call, session_id: Any = None) -> None:
    auth.logout(call.sim.state, call.extra["auth"], session_id)


@export()
def getLoggedInUser(call: Call) -> dict[str, Any] | None:
    if call.user is None or call.session is None:
        return None
    info = render.user_info(call.user)
    info["authtype"] = call.session.authtype
    info["krb_principal"] = call.user.krb_principals[0] if call.user.krb_principals else None
    return info


# -- users and permissions --------------------------------------------------------------------


@export()
def getUser(
    call: Call,
    userInfo: Any = None,
    strict: bool = False,
    krb_princs: bool = True,
    groups: bool = False,
) -> Any:
    if userInfo is None:
        if call.user is None:
            raise koji.GenericError("No user provided")
        userInfo = call.user.id
    user = call.sim.state.get_user(userInfo, strict=strict)
    if user is None:
        return None
    info = render.user_info(user, krb_princs)
    if groups:
        info["groups"] = []
    return info


@export()
def getPerms(call: Call) -> list[str]:
    return sorted(call.user.perms) if call.user else []


@export()
def hasPerm(call: Call, perm: str, strict: bool = False) -> bool:
    return call.user is not None and perm in call.user.perms


@export()
def getAllPerms(call: Call) -> list[dict[str, Any]]:
    perms = sorted(
        {p for u in call.sim.state.users.values() for p in u.perms} | {"admin", "repo", "tag"}
    )
    return [{"id": i, "name": name, "description": None} for i, name in enumerate(perms, 1)]


@export()
def getUserPerms(call: Call, userID: Any = None) -> list[str]:
    if userID is None and call.user is None:
        raise koji.GenericError("No user provided")
    user = call.sim.state.get_user(userID if userID is not None else call.user.id, strict=True)  # type: ignore[union-attr]
    return sorted(user.perms) if user else []


# -- channels and hosts -----------------------------------------------------------------------


def _channel_row(channel: Any) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "description": channel.description,
        "enabled": channel.enabled,
        "comment": channel.comment,
    }


@export()
def getChannel(call: Call, channelInfo: Any, strict: bool = False) -> dict[str, Any] | None:
    channel = call.sim.state.get_channel(channelInfo, strict=strict)
    return None if channel is None else _channel_row(channel)


@export()
def listChannels(
    call: Call, hostID: Any = None, event: Any = None, enabled: Any = None
) -> list[dict[str, Any]]:
    state = call.sim.state
    channels = list(state.channels.values())
    if hostID:
        host = state.need_host(hostID)
        channels = [c for c in channels if c.id in host.channels]
    elif event:
        raise koji.GenericError("list_channels with event and not host is not allowed.")
    if enabled is not None:
        channels = [c for c in channels if c.enabled == bool(enabled)]
    return [_channel_row(c) for c in channels]


@export()
def getHost(
    call: Call, hostInfo: Any, strict: bool = False, event: Any = None
) -> dict[str, Any] | None:
    host = call.sim.state.get_host(hostInfo, strict=strict)
    return None if host is None else render.host_info(host)


@export()
def listHosts(
    call: Call,
    arches: Any = None,
    channelID: Any = None,
    ready: Any = None,
    enabled: Any = None,
    userID: Any = None,
    queryOpts: Any = None,
) -> Any:
    state = call.sim.state
    hosts = list(state.hosts.values())
    if arches is not None:
        if not arches:
            raise koji.GenericError("arches option cannot be empty")
        alternatives = "|".join(re.escape(a) for a in split_arches(arches))
        wanted = re.compile(rf"\b({alternatives})\b")
        hosts = [h for h in hosts if wanted.search(h.arches)]
    if channelID is not None:
        channel = state.get_channel(channelID)
        if channel is None:
            raise koji.GenericError(f"No such entry in table channels: {channelID}")
        hosts = [h for h in hosts if channel.id in h.channels]
    if ready is not None:
        hosts = [h for h in hosts if h.ready == bool(ready)]
    if enabled is not None:
        hosts = [h for h in hosts if h.enabled == bool(enabled)]
    if userID is not None:
        user = state.get_user(userID, strict=True)
        hosts = [h for h in hosts if user is not None and h.user_id == user.id]
    return apply_query_opts([render.host_info(h) for h in hosts], queryOpts)


@export()
def getLastHostUpdate(call: Call, hostID: Any, ts: bool = False) -> Any:
    host = call.sim.state.get_host(hostID)
    if host is None:
        return None
    now = call.sim.clock.now()
    return now if ts else koji_time(now)


@export()
def getAllArches(call: Call) -> list[str]:
    arches: dict[str, None] = {}
    for host in call.sim.state.hosts.values():
        for arch in host.arches.split():
            arches[koji.canonArch(arch)] = None
    return list(arches)
