"""N concurrent clients against a gate service, for ``tcphw gate bench``.

Each client is one keep-alive HTTP/1.1 connection with one request in flight: it sends a check, waits for the
whole answer, and sends the next, so N clients are N agents waiting on the gate. The clients are asyncio
protocols in one process (the bench's, not the service's), cheap per request so that as much of the machine as
possible is left to the service; the requests are encoded once, before any timing. A run is bounded both in
requests and in seconds, and targets a Unix socket or a loopback port only.

Every answer is checked: status 200 and the decision the bench expects for the line (judged in process on the
same registry), so a run that is fast because it answers wrongly does not count.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

DECISION = b'"decision": "'  # the line's decision is the first one in Check.as_dict's JSON (parts come later)


@dataclass
class Round:
    """One measured run of N clients."""

    clients: int
    measured: bool = True  # False: the warm-up before the first measured round
    answered: int = 0
    errors: int = 0  # not 200
    wrong: int = 0  # 200, but another decision than the in-process gate's
    seconds: float = 0.0  # from the first request sent to the last answer received
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered request
    client_cpu_s: float = 0.0
    stats_before: dict[str, Any] = field(default_factory=dict)
    stats_after: dict[str, Any] = field(default_factory=dict)
    first_error: str | None = None


def encode_requests(lines: Sequence[dict[str, Any]], caller: str = "gate bench") -> list[bytes]:
    """One ready-to-send HTTP request per line (``{"command", "cwd", "workspace"?, "env"?}``)."""
    out = []
    for line in lines:
        body = json.dumps({**line, "caller": caller}).encode()
        head = f"POST /check HTTP/1.1\r\nHost: gate\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        out.append(head.encode() + b"\r\n\r\n" + body)
    return out


class _Shared:
    def __init__(self, requests: list[bytes], expected: list[bytes], limit: int, deadline: float) -> None:
        self.requests = requests
        self.expected = expected
        self.limit = limit
        self.deadline = deadline
        self.sent = 0
        self.round: Round | None = None
        self.last_done = 0.0
        self.in_flight = 0
        self.idle: asyncio.Event = asyncio.Event()

    def take(self) -> int | None:
        if self.sent >= self.limit or time.perf_counter() >= self.deadline:
            return None
        self.sent += 1
        return self.sent


class _Client(asyncio.Protocol):
    def __init__(self, shared: _Shared, offset: int) -> None:
        self.shared = shared
        self.offset = offset  # clients start at different lines, so a tick holds a mix
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.started = 0.0
        self.line = 0
        self.busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def go(self) -> None:
        """Send the next request, or stop if the round has sent its last."""
        n = self.shared.take() if self.transport is not None else None
        if n is None:
            if self.shared.in_flight == 0:
                self.shared.idle.set()
            return
        self.line = (self.offset + n) % len(self.shared.requests)
        self.buffer.clear()
        self.shared.in_flight += 1
        self.busy = True
        self.started = time.perf_counter()
        assert self.transport is not None
        self.transport.write(self.shared.requests[self.line])

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"content-length:")
        length = int(head[at + 15 :].split(b"\r\n", 1)[0]) if at >= 0 else 0
        if len(self.buffer) < end + 4 + length:
            return
        done = time.perf_counter()
        shared = self.shared
        shared.in_flight -= 1
        shared.last_done = done
        r = shared.round
        assert r is not None
        if head.startswith(b"http/1.1 200"):
            r.answered += 1
            r.latencies.append(done - self.started)
            body = self.buffer[end + 4 : end + 4 + length]
            at = body.find(DECISION)
            got = bytes(body[at + len(DECISION) : body.find(b'"', at + len(DECISION))])
            if got != shared.expected[self.line]:
                r.wrong += 1
        else:
            r.errors += 1
            if r.first_error is None:
                status = head.split(b"\r\n", 1)[0].decode(errors="replace")
                text = bytes(self.buffer[end + 4 : end + 4 + length]).decode(errors="replace").strip()
                r.first_error = f"{status}: {text}"
        self.busy = False
        self.go()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.busy:  # the service closed the connection with a request in flight: an error, not a hang
            self.busy = False
            shared = self.shared
            shared.in_flight -= 1
            if shared.round is not None:
                shared.round.errors += 1
                shared.round.first_error = shared.round.first_error or "the service closed the connection"
            if shared.in_flight == 0:
                shared.idle.set()


async def _connect(address: str, factory: Any) -> Any:
    loop = asyncio.get_running_loop()
    if address.startswith("unix:"):
        _, protocol = await loop.create_unix_connection(factory, address[5:])
    else:
        host, _, port = address.removeprefix("http://").rstrip("/").rpartition(":")
        _, protocol = await loop.create_connection(factory, host.strip("[]"), int(port))
    return protocol


async def get_json(address: str, path: str) -> Any:
    """GET ``path`` on its own connection (Connection: close)."""
    if address.startswith("unix:"):
        reader, writer = await asyncio.open_unix_connection(address[5:])
    else:
        host, _, port = address.removeprefix("http://").rstrip("/").rpartition(":")
        reader, writer = await asyncio.open_connection(host.strip("[]"), int(port))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: gate\r\nConnection: close\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"GET {path}: {head.splitlines()[0].decode(errors='replace') if head else 'no answer'}")
    return json.loads(body)


async def _level(
    address: str,
    requests: list[bytes],
    expected: list[bytes],
    clients: int,
    rounds: int,
    per_round: int,
    seconds: float,
    warmup: int,
) -> list[Round]:
    shared = _Shared(requests, expected, 0, 0.0)
    step = max(1, len(requests) // max(1, clients))
    protocols = [await _connect(address, lambda k=k: _Client(shared, k * step)) for k in range(clients)]
    out: list[Round] = []
    try:
        for k in range(rounds + (1 if warmup else 0)):
            measured = not (warmup and k == 0)
            r = Round(clients, measured)
            shared.round = r
            shared.sent = 0
            shared.limit = per_round if measured else warmup
            shared.idle = asyncio.Event()
            if measured:
                r.stats_before = await get_json(address, "/stats")
            cpu = time.process_time()
            start = time.perf_counter()
            shared.deadline = start + (seconds if measured else max(1.0, seconds))
            for p in protocols:
                p.go()
            # bounded even if the service stops answering: what is in flight gets a generous grace
            await asyncio.wait_for(shared.idle.wait(), (seconds if measured else max(1.0, seconds)) + 60)
            r.seconds = shared.last_done - start
            r.client_cpu_s = time.process_time() - cpu
            if measured:
                r.stats_after = await get_json(address, "/stats")
            out.append(r)
    finally:
        for p in protocols:
            if p.transport is not None:
                p.transport.close()
    return out


def run_level(
    address: str,
    requests: list[bytes],
    expected: list[str],
    clients: int,
    rounds: int = 3,
    per_round: int = 4000,
    seconds: float = 3.0,
    warmup: int = 0,
) -> list[Round]:
    """``rounds`` measured rounds of ``clients`` concurrent clients, each round at most ``per_round`` requests
    and ``seconds`` seconds (what is in flight at the deadline is finished and counted), after a round of
    ``warmup`` requests that is returned too, marked not measured."""
    if not (address.startswith("unix:") or address.startswith(("http://127.", "http://[::1]", "http://localhost"))):
        raise ValueError(f"the load goes to a Unix socket or loopback only, not {address}")
    wanted = [e.encode() for e in expected]
    return asyncio.run(_level(address, requests, wanted, clients, rounds, per_round, seconds, warmup))
