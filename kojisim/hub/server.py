"""The HTTP side: XML-RPC at /kojihub, files at /kojifiles (topurl), minimal kojiweb pages.

A threading HTTP/1.1 server bound to loopback.  Fault injection happens here, because
dropped connections and HTTP errors are transport events: ``drop`` closes the connection
without running the call, ``drop_after`` runs it and closes the connection before replying.
"""

from __future__ import annotations

import html
import logging
import mimetypes
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import koji

from kojisim import HUB_VERSION
from kojisim.control.faults import FaultRule
from kojisim.core.model import BUILD_COMPLETE
from kojisim.engine import tasks
from kojisim.hub import dispatch
from kojisim.sim import Sim

log = logging.getLogger("kojisim.http")


class KojiSimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sim: Sim

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a stopped worker, a dropped connection) is one line, as
        on a real hub; anything else keeps socketserver's traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.info("client %s:%s went away: %s", *client_address[:2], error)
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: KojiSimServer

    rpc_method: str = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One debug line per request, naming the XML-RPC method."""
        method = f" {self.rpc_method}" if self.rpc_method else ""
        log.debug('%s "%s" %s %s%s', self.address_string(), self.requestline, code, size, method)

    # -- plumbing ---------------------------------------------------------------------------

    def _send(
        self, code: int, body: bytes, ctype: str = "text/xml", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Koji-Version", HUB_VERSION)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _drop(self) -> None:
        """Close the connection without a reply (the client sees RemoteDisconnected)."""
        log.debug('%s "%s" dropped %s', self.address_string(), self.requestline, self.rpc_method)
        self.close_connection = True
        self.wfile.flush()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _ssl_user(self) -> str | None:
        getpeercert = getattr(self.connection, "getpeercert", None)
        cert = getpeercert() if getpeercert else None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return str(value)
        return None

    # -- XML-RPC ----------------------------------------------------------------------------

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path)
        if path.path.rstrip("/") not in ("/kojihub", "/kojihub/ssllogin"):
            self._send(404, b"not found", "text/plain")
            return
        body = self._read_body()
        try:
            request = dispatch.parse(body)
        except Exception as exc:  # malformed XML-RPC
            self._send(400, f"bad request: {exc}".encode(), "text/plain")
            return
        sim = self.server.sim
        inner = request.inner
        self.rpc_method = f"{request.method}[{len(inner)}]" if inner else request.method
        latency, action = sim.faults.for_request(request.method, inner)
        if latency:
            time.sleep(latency)
        if self._pre_action(action):
            return
        response = dispatch.execute(sim, request, dict(self.headers), path.query, self._ssl_user())
        if action is not None and action.kind == "drop_after":
            log.info("dropping the reply to %s after running it", request.method)
            self._drop()
            return
        self._send(200, response)

    def _pre_action(self, action: FaultRule | None) -> bool:
        if action is None or action.kind == "drop_after":
            return False
        if action.kind == "http500":
            self._send(500, b"Internal Server Error (kojisim)", "text/plain")
        elif action.kind == "drop":
            self._drop()
        elif action.kind == "fault":
            self._send(200, dispatch.fault_response(action.code, action.string))
        return True

    # -- files and web pages -------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self.rpc_method = ""
        path = urllib.parse.urlsplit(self.path)
        if path.path.startswith("/kojifiles/"):
            self._file(urllib.parse.unquote(path.path[len("/kojifiles/") :]))
        elif path.path.startswith("/koji/"):
            self._page(path.path[len("/koji/") :], urllib.parse.parse_qs(path.query))
        elif path.path in ("/", "/kojihub"):
            self._send(200, b"kojisim: XML-RPC at /kojihub, files at /kojifiles/\n", "text/plain")
        else:
            self._send(404, b"not found", "text/plain")

    def _file(self, relpath: str) -> None:
        sim = self.server.sim
        latency, action = sim.faults.for_file(relpath)
        if latency:
            time.sleep(latency)
        data = self._file_data(relpath)
        if data is None:
            self._send(404, b"Not Found", "text/plain")
            return
        if action is not None:
            if action.kind == "http500":
                self._send(500, b"Internal Server Error (kojisim)", "text/plain")
                return
            if action.kind == "drop":
                self._drop()
                return
            data = data[: len(data) // 2] if action.kind == "truncate" else _corrupt(data)
        ctype = mimetypes.guess_type(relpath)[0] or "application/octet-stream"
        self._send(200, data, ctype)

    def _file_data(self, relpath: str) -> bytes | None:
        sim = self.server.sim
        top = sim.topdir.resolve()
        target = (top / relpath).resolve() if ".." not in Path(relpath).parts else None
        if target is not None and target.is_file():
            return target.read_bytes()
        parts = relpath.split("/")
        if (
            len(parts) == 6
            and parts[0] == "packages"
            and parts[4] == "src"
            and parts[5].endswith(".src.rpm")
        ):
            with sim.state.lock:
                rpm = sim.state.get_rpm(parts[5].removesuffix(".rpm"))
            if rpm is not None:
                return f"kojisim stub source package {rpm.nvra}\n".encode()
        return None

    def _page(self, page: str, query: dict[str, list[str]]) -> None:
        sim = self.server.sim
        with sim.state.lock:
            if page == "taskinfo" and query.get("taskID"):
                body = _task_page(sim, int(query["taskID"][0]))
            elif page == "buildinfo" and query.get("buildID"):
                body = _build_page(sim, int(query["buildID"][0]))
            else:
                body = None
        if body is None:
            self._send(404, b"not found", "text/plain")
        else:
            self._send(200, body.encode(), "text/html; charset=utf-8")


def _corrupt(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :]


def _task_page(sim: Sim, task_id: int) -> str | None:
    task = sim.state.tasks.get(task_id)
    if task is None:
        return None
    rows = [
        ("ID", str(task.id)),
        ("Method", html.escape(task.method)),
        ("State", koji.TASK_STATES[task.state].lower()),
        ("Arch", html.escape(task.arch)),
        ("Request", html.escape(repr(task.request))),
    ]
    if task.parent:
        rows.append(("Parent", f'<a href="taskinfo?taskID={task.parent}">{task.parent}</a>'))
    kids = tasks.children(sim.state, task.id)
    links = " ".join(
        f'<a href="taskinfo?taskID={k.id}">{k.id} {html.escape(k.method)} ({k.arch})</a>'
        for k in kids
    )
    if links:
        rows.append(("Children", links))
    logs = f"{sim.files_url}/work/tasks/{task.id % 10000}/{task.id}"
    rows.append(
        ("Logs", f'<a href="{logs}/build.log">build.log</a> <a href="{logs}/root.log">root.log</a>')
    )
    return _html(f"Task {task.id}", rows)


def _build_page(sim: Sim, build_id: int) -> str | None:
    build = sim.state.builds.get(build_id)
    if build is None:
        return None
    rows = [
        ("ID", str(build.id)),
        ("NVR", html.escape(build.nvr)),
        (
            "State",
            "complete" if build.state == BUILD_COMPLETE else koji.BUILD_STATES[build.state].lower(),
        ),
    ]
    if build.task_id:
        rows.append(("Task", f'<a href="taskinfo?taskID={build.task_id}">{build.task_id}</a>'))
    return _html(f"Build {build.nvr}", rows)


def _html(title: str, rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)} | kojisim</title></head>"
        f"<body><h1>{html.escape(title)}</h1><table>{body}</table></body></html>"
    )


def make_server(port: int, tls: tuple[str, str, str | None] | None = None) -> KojiSimServer:
    """A server bound to 127.0.0.1 (optionally HTTPS with client certificates).

    The socket is bound before the scenario loads so that URLs are known; set ``server.sim``
    before calling ``serve_forever``.
    """
    server = KojiSimServer(("127.0.0.1", port), Handler)
    if tls is not None:
        cert, key, ca = tls
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if ca:
            context.load_verify_locations(ca)
            context.verify_mode = ssl.CERT_OPTIONAL
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return server
