"""A pseudo-terminal in front of a socket:// board, so serial-port tools (ser2net) can serve it.

``PtyBridge(url)`` opens a pty pair in raw mode and copies bytes between its master side and
the board's socket in a thread; ``device`` is the slave's path (``/dev/pts/N``), which looks
like any USB serial port to whatever opens it.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import tty
from urllib.parse import urlparse


class PtyBridge:
    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme != "socket" or not parsed.hostname or not parsed.port:
            raise ValueError(f"PtyBridge needs a socket://HOST:PORT URL, got {url!r}")
        self._sock = socket.create_connection((parsed.hostname, parsed.port), timeout=10)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # else the line discipline echoes and translates bytes
        self.device = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pty-bridge", daemon=True)

    def start(self) -> PtyBridge:
        self._thread.start()
        return self

    def _run(self) -> None:
        sock_fd = self._sock.fileno()
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master, sock_fd], [], [], 0.1)
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # the slave side closed: wait for the next opener
                    data = b""
                if not data:
                    continue
                if fd == self._master:
                    self._sock.sendall(data)
                else:
                    os.write(self._master, data)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._sock.close()

    def __enter__(self) -> PtyBridge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
