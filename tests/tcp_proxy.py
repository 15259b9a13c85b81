"""A TCP relay on loopback that a test can cut and restore, to take a service (RabbitMQ)
away from its clients for a while without touching the service itself.

Bounded: sockets have timeouts, every loop checks a stop flag, and the relay stops by
itself after ``lifetime`` seconds.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

CHUNK = 65536


class TcpProxy:
    """Relays connections made to ``127.0.0.1:port`` to ``upstream`` while open.

    ``cut()`` closes every relayed connection and refuses new ones (accepted, then closed
    at once, as a broker that is down would look to its clients); ``restore()`` relays
    again.  Use as a context manager.
    """

    def __init__(self, upstream: tuple[str, int], lifetime: float = 300.0) -> None:
        self.upstream = upstream
        self.deadline = time.monotonic() + lifetime
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.relayed = 0  # connections relayed so far
        self.refused = 0  # connections refused while cut
        self._open = threading.Event()
        self._open.set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._acceptor.start()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _running(self) -> bool:
        return not self._stop.is_set() and time.monotonic() < self.deadline

    def _accept(self) -> None:
        while self._running():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            if not self._open.is_set():
                self.refused += 1
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            self.relayed += 1
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                thread = threading.Thread(target=self._pump, args=(source, target), daemon=True)
                self._threads.append(thread)
                thread.start()
        self._close_all()
        self.listener.close()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        source.settimeout(0.2)
        while self._running() and self._open.is_set():
            try:
                data = source.recv(CHUNK)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            try:
                target.sendall(data)
            except OSError:
                break
        for sock in (source, target):
            _close(sock)

    def _close_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _close(sock)

    def cut(self) -> None:
        """Drop every relayed connection and refuse new ones."""
        self._open.clear()
        self._close_all()

    def restore(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._stop.set()
        self._open.clear()
        self._acceptor.join(5)
        self._close_all()
        for thread in self._threads:
            thread.join(2)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
