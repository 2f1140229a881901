"""A fault-injecting TCP link proxy: host <-> proxy <-> board (virtual, or a real one behind ser2net).

``tcphw link-proxy --to socket://127.0.0.1:PORT --drop 0.003 --corrupt 0.003 --insert 0.003``
listens on 127.0.0.1, forwards every byte both ways through a ``FaultInjector`` each, and
optionally delays each chunk. Tests start it in a thread with ``LinkProxy(...).start()``.
"""

from __future__ import annotations

import contextlib
import select
import socket
import sys
import threading
import time
from urllib.parse import urlparse

from tcphw.host.link.faults import FaultInjector


def _address(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    if parsed.scheme != "socket" or not parsed.hostname or not parsed.port:
        raise ValueError(f"the proxy forwards to socket://HOST:PORT URLs, got {url!r}")
    return parsed.hostname, parsed.port


def _connect(address: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(address, timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class LinkProxy:
    def __init__(
        self,
        target: str,
        *,
        to_board: FaultInjector | None = None,
        to_host: FaultInjector | None = None,
        delay_ms: float = 0.0,
        port: int = 0,
    ) -> None:
        self.target = target
        self._address = _address(target)  # a bad URL is refused now, not at the first connection
        self.to_board = to_board or FaultInjector()
        self.to_host = to_host or FaultInjector()
        self.delay_s = delay_ms / 1000
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._server.bind(("127.0.0.1", port))
        except OSError as e:
            self._server.close()
            raise ValueError(f"cannot listen on 127.0.0.1:{port}: {e.strerror}") from None
        self._server.listen(1)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def start(self) -> LinkProxy:
        self._thread = threading.Thread(target=self.serve_forever, name="link-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server.close()

    def __enter__(self) -> LinkProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._server], [], [], 0.1)
            if not ready:
                continue
            host, _ = self._server.accept()
            host.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                board = _connect(self._address)
            except OSError as e:  # nothing listens there (yet): drop this host, keep serving
                print(f"link-proxy: cannot reach {self.target}: {e}", file=sys.stderr)
                host.close()
                continue
            with contextlib.closing(host), contextlib.closing(board):
                self._pump(host, board)

    def _pump(self, host: socket.socket, board: socket.socket) -> None:
        routes = {host: (board, self.to_board), board: (host, self.to_host)}
        while not self._stop.is_set():
            ready, _, _ = select.select(list(routes), [], [], 0.1)
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return  # either side closed: drop both, like unplugging the cable
                peer, faults = routes[sock]
                if self.delay_s:
                    time.sleep(self.delay_s)
                out = faults.apply(data)
                if out:
                    peer.sendall(out)
