"""XML-RPC dispatch as kojixmlrpc does it: argument checking, faults, multiCall, call numbers.

Unknown methods answer ``GenericError("Invalid method: X")``; calls whose arguments do not
fit the method's signature answer ParameterError; Koji exceptions become faults with their
class's faultCode; anything else becomes a fault with code 1.  In a multicall each call's
fault is returned in place (``{"faultCode", "faultString"}``) and the others still run.
"""

from __future__ import annotations

import inspect
import logging
import traceback
import xmlrpc.client
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import koji
from koji.xmlrpcplus import Fault, dumps, getparser

from kojisim.hub import (
    api_admin,
    api_builds,
    api_external,
    api_info,
    api_sim,
    api_tags,
    api_tasks,
    auth,
)
from kojisim.hub.registry import METHODS, Call, Method

if TYPE_CHECKING:
    from kojisim.sim import Sim

log = logging.getLogger(__name__)

#: importing these modules fills METHODS (their functions register with ``@export``); the hub
#: imports the simulator, never the other way round
API_MODULES = (api_admin, api_builds, api_external, api_info, api_sim, api_tags, api_tasks)


@dataclass
class Request:
    method: str
    params: tuple[Any, ...]

    @property
    def inner(self) -> list[str]:
        """Method names inside a multicall."""
        if self.method not in ("multiCall", "system.multicall") or not self.params:
            return []
        calls = self.params[0] if isinstance(self.params[0], list) else []
        return [str(c.get("methodName")) for c in calls if isinstance(c, dict)]


def parse(body: bytes) -> Request:
    parser, unmarshaller = getparser()
    parser.feed(body)
    parser.close()
    params = unmarshaller.close()
    return Request(str(unmarshaller.getmethodname()), tuple(params))


def fault_response(code: int, message: str) -> bytes:
    return dumps(Fault(code, message), methodresponse=1).encode()


def lookup(name: str) -> Method:
    method = METHODS.get(name)
    if method is None:
        raise koji.GenericError(f"Invalid method: {name}")
    return method


def invoke(call: Call, method: Method, params: tuple[Any, ...] | list[Any]) -> Any:
    """Run one method with Koji's encoded keyword arguments."""
    args, kwargs = koji.decode_args(*params)
    try:
        inspect.signature(method.func).bind(call, *args, **kwargs)
    except TypeError as exc:
        raise koji.ParameterError(f"{method.name}() {exc}") from exc
    call.method = method.name
    if method.writes and call.sim.read_only and not _allowed_when_read_only(method.name):
        call.sim.refuse_write(method.name)
        raise koji.ActionNotAllowed(f"{method.name}: this hub is read-only")
    if not method.locked:
        return method.func(call, *args, **kwargs)
    with call.sim.state.lock:
        result = method.func(call, *args, **kwargs)
        if method.writes:
            call.wrote = True
        return result


def _allowed_when_read_only(name: str) -> bool:
    # the simulator's own controls and ending one's session change no Koji data
    return name.startswith("sim.") or name == "logout"


def _fault_entry(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, xmlrpc.client.Fault):
        return {"faultCode": exc.faultCode, "faultString": exc.faultString}
    code = getattr(exc, "faultCode", 1)
    entry: dict[str, Any] = {
        "faultCode": code,
        "faultString": ", ".join(str(arg) for arg in exc.args),
    }
    entry["traceback"] = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return entry


def multicall(call: Call, calls: list[Any]) -> list[Any]:
    """Koji's multiCall: run every call, collecting [result] or a fault dict."""
    results: list[Any] = []
    for item in calls:
        try:
            if not isinstance(item, dict):
                raise koji.GenericError("Invalid multicall entry")
            name = str(item.get("methodName"))
            method = lookup(name)
            injected = call.sim.faults.for_call(name)
            if injected is not None:
                raise Fault(injected.code, injected.string)
            results.append([invoke(call, method, item.get("params") or ())])
        except Exception as exc:  # each call fails on its own, like the hub
            if not isinstance(exc, koji.GenericError | xmlrpc.client.Fault):
                log.warning("multicall entry failed", exc_info=True)
            results.append(_fault_entry(exc))
    return results


def execute(
    sim: Sim, request: Request, headers: Mapping[str, str], query: str, ssl_user: str | None = None
) -> bytes:
    """Authenticate, run the request and encode the response (result or fault)."""
    try:
        is_multi = request.method in ("multiCall", "system.multicall")
        method = None if is_multi else lookup(request.method)
        with sim.state.lock:
            info = auth.authenticate(sim.state, headers, query, request.method)
            sim.engine.tick()
        call = Call(sim, request.method, info.session, info.user, ssl_user)
        call.extra["auth"] = info
        if method is None:
            result: Any = multicall(call, list(request.params[0]) if request.params else [])
        else:
            result = invoke(call, method, request.params)
        if call.wrote and info.session is not None and info.callnum is not None:
            with sim.state.lock:
                info.session.callnum = info.callnum
        return dumps((result,), methodresponse=1).encode()
    except xmlrpc.client.Fault as fault:
        return fault_response(fault.faultCode, fault.faultString)
    except koji.GenericError as exc:
        return fault_response(exc.faultCode, str(exc))
    except Exception as exc:  # the hub reports unexpected errors as faults with code 1
        log.exception("%s failed", request.method)
        return fault_response(1, f"{type(exc)}: {exc}")
