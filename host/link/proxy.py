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


# An FTDI bridge sends the host 64-byte USB packets, 2 bytes of which are modem status.
USB_PACKET_PAYLOAD = 62


class LinkProxy:
    """A TCP forwarder between a host and a board that injects faults, delays, and (``hold_ms``) holds
    the board's bytes as a USB serial bridge does: passed on when a 62-byte packet fills or when the
    latency timer (counted from the first byte held) runs out. ``hold_ms=16`` is ftdi_sio's default,
    1 what low-latency mode gives."""

    def __init__(
        self,
        target: str,
        *,
        to_board: FaultInjector | None = None,
        to_host: FaultInjector | None = None,
        delay_ms: float = 0.0,
        hold_ms: float = 0.0,
        port: int = 0,
    ) -> None:
        if hold_ms < 0 or delay_ms < 0:
            raise ValueError(f"--delay and --hold-ms must be >= 0 ms, got {delay_ms} and {hold_ms}")
        self.target = target
        self._address = _address(target)  # a bad URL is refused now, not at the first connection
        self.to_board = to_board or FaultInjector()
        self.to_host = to_host or FaultInjector()
        self.delay_s = delay_ms / 1000
        self.hold_s = hold_ms / 1000
        # how held bytes left the model bridge: its latency timer ran out, or a USB packet filled
        self.flushes = {"timer": 0, "full": 0}
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
        held = bytearray()  # board -> host bytes the model USB bridge has not passed on yet
        deadline = 0.0
        while not self._stop.is_set():
            wait = 0.1 if not held else max(0.0, min(0.1, deadline - time.monotonic()))
            ready, _, _ = select.select(list(routes), [], [], wait)
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return  # either side closed: drop both, like unplugging the cable
                peer, faults = routes[sock]
                if self.delay_s:
                    time.sleep(self.delay_s)
                out = faults.apply(data)
                if not out:
                    continue
                if sock is board and self.hold_s:
                    if not held:
                        deadline = time.monotonic() + self.hold_s
                    held += out
                    while len(held) >= USB_PACKET_PAYLOAD:  # a full packet goes at once
                        peer.sendall(held[:USB_PACKET_PAYLOAD])
                        del held[:USB_PACKET_PAYLOAD]
                        self.flushes["full"] += 1
                        deadline = time.monotonic() + self.hold_s
                else:
                    peer.sendall(out)
            if held and time.monotonic() >= deadline:  # the latency timer ran out: what is held goes
                host.sendall(held)
                held.clear()
                self.flushes["timer"] += 1
