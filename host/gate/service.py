"""``tcphw gate serve``: one gate for many agents, over HTTP on a Unix socket (or a loopback TCP port).

The service judges command lines; it never runs one. Its requests and answers:

- ``POST /check`` ``{"command", "cwd", "workspace"?, "env"?, "caller"?}``: the decision as ``Check.as_dict``
  (which carries the reason) plus ``audit``: the log row's id and its batch;
- ``POST /check/batch`` ``{"requests": [...]}``: several lines, answered in order, judged in one tick;
- ``GET /health``: the backend, the registry, the log and whether it takes writes, the version;
- ``GET /stats``: decisions, ticks and the seconds spent in each stage (``stages``), for ``gate bench``.

Every error is one line of JSON, ``{"error": "..."}``, with a 4xx (bad input, 413 for a body over 64 KiB) or
a 503 (the audit log refuses writes, the backend fails): a caller that gets no decision falls back.

Batching: requests are parsed from HTTP and JSON as they arrive, on the event loop, and queued. One tick
thread takes everything queued at once and runs ``Gate.check_many`` on it (every line judged, all their
descriptors validated in ONE backend call, then decided), writes the tick's decisions to the audit log in
one transaction, and only then are the answers sent. A tick starts as soon as the previous one ends, so a
lone request waits for nothing, and under load the ticks grow: the backend sees one array per tick for the
whole fleet. The tick runs in its own thread so that a backend's wait (a board's link, a GPU) or the log's
fsync never blocks the event loop; it is one thread because ``check_many`` is the unit that batches, and
because the registry's SQLite connection belongs to the thread that opened it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import signal
import socket
import stat
import struct
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tcphw import __version__
from tcphw.host.gate.audit import AuditError, AuditLog, Caller, record
from tcphw.host.gate.gate import Request
from tcphw.host.gate.rules import RulesError, load
from tcphw.host.gate.stages import StageClock, instrument
from tcphw.host.gate.table import digest

if TYPE_CHECKING:
    from starlette.responses import Response

MAX_BODY = 64 * 1024  # bytes of one request body: a command line longer than this is not one an agent types
MAX_BATCH = 1024  # decisions per tick at most: a burst is split so that one tick's latency stays bounded
MAX_REQUESTS = 256  # lines in one /check/batch
PEER = "tcphw.peer"  # the ASGI scope key the Unix socket's peer credentials go under


class ServiceError(RuntimeError):
    """The service cannot start: one line."""


class Refused(Exception):
    """A request answered with an error status and one line, not a decision."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Pending:
    request: Any  # gate.Request
    caller: Caller
    future: asyncio.Future[bytes]


@dataclass
class Counters:
    decisions: int = 0
    ticks: int = 0
    refused: int = 0  # requests answered 503: the log refused the write or the gate failed
    largest_tick: int = 0
    started: float = field(default_factory=time.time)


class Service:
    """The gate, its audit log and the tick loop; the HTTP layer (``app``) only reads requests and answers."""

    def __init__(
        self,
        open_gate: Callable[[], Any],
        log: AuditLog,
        info: dict[str, Any],
        max_batch: int = MAX_BATCH,
        rules: Path | None = None,
    ) -> None:

        self.version = __version__
        self.table_digest = digest()
        self.log = log
        self.info = info
        self.max_batch = max_batch
        self.clock = StageClock()
        self.counters = Counters()
        self.rules_file = rules  # the person's rules file the gate was opened with, read again when it changes
        self._rules_seen: tuple[int, int, int] | None = None  # that file as the gate last read it
        self.pending: list[Pending] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="gate-tick")
        try:
            self.gate = self._executor.submit(_warm, open_gate).result()
        except BaseException:
            self._executor.shutdown(wait=False)
            raise
        instrument(self.gate, self.clock)
        self._rules_seen = _stamp(self._rules_path())

    # -- the tick loop (event loop side) ----------------------------------------------------------

    def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._ticks(), name="gate ticks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)

    def close_now(self) -> None:
        """Close without an event loop: a service that never served (its socket could not be bound)."""
        self._executor.submit(self._close).result()
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        self.log.close()
        backend = getattr(getattr(self.gate.validator, "inner", None), "backend", None)
        if backend is not None:
            backend.close()  # a virtual board's simulator stops with the service

    async def submit(self, items: Sequence[tuple[Any, Caller]]) -> list[bytes]:
        """Queue requests for the next tick; their answers once they are logged (or Refused)."""
        loop = asyncio.get_running_loop()
        futures = []
        for request, caller in items:
            future: asyncio.Future[bytes] = loop.create_future()
            self.pending.append(Pending(request, caller, future))
            futures.append(future)
        assert self._wake is not None, "the service has not started"
        self._wake.set()
        return list(await asyncio.gather(*futures))

    async def _ticks(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.pending:
                batch = self.pending[: self.max_batch]
                del self.pending[: self.max_batch]
                try:
                    results = await loop.run_in_executor(self._executor, self._tick, batch)
                except Exception as e:  # a bug in a tick must not stop the loop: its requests get one line
                    results = [Refused(503, f"the gate service failed: {_line(e)}")] * len(batch)
                for p, result in zip(batch, results, strict=True):
                    if p.future.done():  # the caller went away; its decision is logged all the same
                        continue
                    if isinstance(result, BaseException):
                        p.future.set_exception(result)
                    else:
                        p.future.set_result(result)

    # -- one tick (the tick thread) ----------------------------------------------------------------

    def _rules_path(self) -> Path | None:
        return self.rules_file if hasattr(self.gate, "rules") else None

    def _fresh_rules(self) -> None:
        """The person's rules as their file holds them now: ``gate rule add`` takes effect on the next tick, as
        it does for a hook that starts afresh. A file that cannot be read raises RulesError (the tick is
        refused: answering without a deny rule the person wrote could approve what they refused)."""
        path = self._rules_path()
        if path is None:
            return
        stamp = _stamp(path)
        if stamp == self._rules_seen:
            return
        self.gate.rules = load(path)
        self._rules_seen = stamp

    def _tick(self, batch: list[Pending]) -> list[bytes | Refused]:
        """Judge, validate and decide every line of the tick, log the decisions, and encode the answers."""
        try:
            self._fresh_rules()
        except RulesError as e:
            self.counters.refused += len(batch)
            return [Refused(503, f"{e}; fix it, or remove it, and ask again")] * len(batch)
        self.counters.ticks += 1
        self.counters.largest_tick = max(self.counters.largest_tick, len(batch))
        with self.clock.timing("check"):
            checks = self._checks([p.request for p in batch])
        with self.clock.timing("encode"):
            decided: list[tuple[int, str]] = []  # (index in the tick, the answer's JSON up to its audit entry)
            records = []
            rules = getattr(self.gate, "rules", None)
            rules_digest = rules.digest() if rules is not None and len(rules) else None
            for i, (p, c) in enumerate(zip(batch, checks, strict=True)):
                if isinstance(c, Refused):
                    continue
                d = c.as_dict()
                parts = json.dumps(d.pop("parts"))  # once, for the log and the answer
                records.append(record(c, p.caller, parts, p.request.env, self.version, self.table_digest,
                                      d["reason"], rules_digest))  # fmt: skip
                # Check.as_dict's keys in its order (parts is its last), then the audit entry
                decided.append((i, f'{json.dumps(d)[:-1]}, "parts": {parts}, "audit": '))
        results: list[bytes | Refused] = [c if isinstance(c, Refused) else b"" for c in checks]
        try:
            with self.clock.timing("log"):
                ids = self.log.append(records)  # committed before any answer of the tick is sent
        except AuditError as e:
            self.counters.refused += len(batch)
            refusal = Refused(503, f"{e}; no decision is answered without logging it")
            return [refusal] * len(batch)
        with self.clock.timing("encode"):
            for (i, head), row in zip(decided, ids, strict=True):
                results[i] = f'{head}{{"id": {row}, "batch": {ids[0]}, "batch_size": {len(ids)}}}}}\n'.encode()
        self.counters.decisions += len(ids)
        self.counters.refused += len(batch) - len(ids)
        return results

    def _checks(self, requests: list[Any]) -> list[Any]:
        """``check_many`` on the tick; if it fails, each line alone, so one line's failure is its own."""
        try:
            return list(self.gate.check_many(requests))
        except Exception:
            out: list[Any] = []
            for r in requests:
                try:
                    out.append(self.gate.check_many([r])[0])
                except Exception as e:
                    out.append(Refused(503, f"the gate failed on this line: {_line(e)}"))
            return out

    # -- what /health and /stats say ---------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        rules = getattr(self.gate, "rules", None)
        return {
            "rules": str(self.rules_file) if self.rules_file is not None else None,
            "rules_count": len(rules) if rules is not None else 0,
            "status": "refusing" if self.log.error else "ok",
            **self.info,
            "backend": self.gate.validator.name,
            "log": str(self.log.path),
            "log_sync": self.log.sync,
            "log_error": self.log.error,
            "version": self.version,
            "table_digest": self.table_digest,
            "pid": os.getpid(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.counters.started)),
        }

    def stats(self) -> dict[str, Any]:
        t = os.times()
        return {
            "decisions": self.counters.decisions,
            "ticks": self.counters.ticks,
            "refused": self.counters.refused,
            "largest_tick": self.counters.largest_tick,
            "pending": len(self.pending),
            "process_cpu_s": t.user + t.system,
            "stages": self.clock.snapshot(),
        }


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    """What says a file changed (inode, size, mtime: a rules file is replaced whole), or None if it is absent."""
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _warm(open_gate: Callable[[], Any]) -> Any:
    """The gate, after one check: the backend compiled (numba) or connected (a board), the parser loaded, so the
    first agent's check is not the one that waits for them."""
    gate = open_gate()
    gate.check_many([Request("git status", "/")])
    return gate


def _line(e: BaseException) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


# -- HTTP -----------------------------------------------------------------------------------------------


def _error(status: int, message: str) -> Response:
    from starlette.responses import Response

    return Response(json.dumps({"error": message}) + "\n", status_code=status, media_type="application/json")


async def _body(receive: Any, headers: Any) -> bytes:
    """The request's body, refused (413) past MAX_BODY whether or not it says its length first."""
    declared = headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Refused(400, "Content-Length is not a number")
        if int(declared) > MAX_BODY:
            raise Refused(413, f"the request body is {int(declared):,} bytes; the limit is {MAX_BODY:,}")
    chunks, size = [], 0
    async for chunk in receive():
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, f"the request body is over the limit of {MAX_BODY:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Refused(400, f"the body is not JSON: {getattr(e, 'msg', None) or _line(e)}") from None


def parse_request(obj: Any, where: str = "") -> tuple[Any, str | None]:
    """A gate Request and the caller's name from a request object; Refused(400) names what is wrong."""
    if not isinstance(obj, dict):
        raise Refused(400, f'{where}give a JSON object with "command" and "cwd"')
    command = obj.get("command")
    if not isinstance(command, str):
        raise Refused(400, f'{where}"command" is missing or not a string')
    if not command.strip():
        raise Refused(400, f'{where}"command" is empty: nothing to check')
    cwd = obj.get("cwd")
    if not isinstance(cwd, str):
        raise Refused(400, f'{where}"cwd" is missing or not a string: give the absolute folder the line runs in')
    if not os.path.isabs(cwd):
        raise Refused(400, f'{where}"cwd" must be an absolute folder, not {cwd!r}')
    workspace = obj.get("workspace")
    if workspace is not None and (not isinstance(workspace, str) or not os.path.isabs(workspace)):
        raise Refused(400, f'{where}"workspace" must be an absolute folder')
    env = obj.get("env")
    if env is not None and (
        not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())
    ):
        raise Refused(400, f'{where}"env" must map names to strings')
    name = obj.get("caller")
    if name is not None and (not isinstance(name, str) or len(name) > 200):
        raise Refused(400, f'{where}"caller" must be a string of at most 200 characters')
    return Request(command, cwd, workspace, env or None), name


def _caller(scope: Any, name: str | None) -> Caller:
    peer = scope.get(PEER)
    if peer is not None:
        pid, uid = peer
        return Caller("unix", uid, pid, name)
    client = scope.get("client")
    if client:
        return Caller(f"tcp:{client[0]}:{client[1]}", None, None, name)
    return Caller("unix", None, None, name)


def build_app(service: Service) -> Any:
    """The ASGI application: starlette routes over the service."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request as HTTPRequest
    from starlette.responses import Response
    from starlette.routing import Route

    async def check(request: HTTPRequest) -> Response:
        try:
            obj = _json(await _body(request.stream, request.headers))
            req, name = parse_request(obj)
            [answer] = await service.submit([(req, _caller(request.scope, name))])
        except Refused as e:
            return _error(e.status, e.message)
        return Response(answer, media_type="application/json")

    async def check_batch(request: HTTPRequest) -> Response:
        try:
            obj = _json(await _body(request.stream, request.headers))
            items = obj.get("requests") if isinstance(obj, dict) else None
            if not isinstance(items, list) or not items:
                raise Refused(400, 'give {"requests": [...]}: a non-empty list of check requests')
            if len(items) > MAX_REQUESTS:
                raise Refused(413, f"{len(items)} requests in one batch; the limit is {MAX_REQUESTS}")
            parsed = [parse_request(item, f"requests[{i}]: ") for i, item in enumerate(items)]
            answers = await service.submit([(req, _caller(request.scope, name)) for req, name in parsed])
        except Refused as e:
            return _error(e.status, e.message)
        return Response(b'{"results": [' + b", ".join(a.rstrip() for a in answers) + b"]}\n",
                        media_type="application/json")  # fmt: skip

    async def health(request: HTTPRequest) -> Response:
        return Response(json.dumps(service.health()) + "\n", media_type="application/json")

    async def stats(request: HTTPRequest) -> Response:
        return Response(json.dumps(service.stats()) + "\n", media_type="application/json")

    async def http_error(request: HTTPRequest, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return _error(exc.status_code, str(exc.detail))
        return _error(500, f"the gate service failed: {_line(exc)}")

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            await service.stop()

    return Starlette(
        routes=[
            Route("/check", check, methods=["POST"]),
            Route("/check/batch", check_batch, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
            Route("/stats", stats, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error, Exception: http_error},
        lifespan=lifespan,
    )


def peer_protocol() -> type:
    """uvicorn's HTTP protocol, with the Unix socket's peer credentials (SO_PEERCRED: the kernel's word for
    the connecting process's pid and uid) put into each request's scope."""
    try:
        import httptools  # noqa: F401  # uvicorn's faster parser, where it is installed
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base  # type: ignore[assignment]

    class PeerProtocol(Base):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            peer = _peer(transport)
            if peer is not None:
                app = self.app

                async def with_peer(scope: Any, receive: Any, send: Any) -> None:
                    scope[PEER] = peer
                    await app(scope, receive, send)

                self.app = with_peer

    return PeerProtocol


def _peer(transport: Any) -> tuple[int, int] | None:
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family != socket.AF_UNIX or not hasattr(socket, "SO_PEERCRED"):
        return None
    try:
        pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    except OSError:
        return None
    return pid, uid


# -- sockets --------------------------------------------------------------------------------------------


def _accepts(path: Path) -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        s.close()


def bind_unix(path: Path) -> socket.socket:
    """A Unix socket at ``path`` that only its user may connect to (0600; a folder this makes is 0700). A
    socket left by a service that is gone is replaced; a live one, or anything that is not a socket, is not."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    if os.path.lexists(path):
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise ServiceError(f"{path} exists and is not a socket: refusing to replace it")
        if _accepts(path):
            raise ServiceError(f"a gate service already listens on {path}")
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # created 0600: no moment in which another user could connect
    try:
        sock.bind(str(path))
    except OSError as e:
        sock.close()
        raise ServiceError(f"cannot listen on {path}: {e.strerror or e}") from e
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    return sock


def loopback(host: str) -> str:
    """The address for ``host`` if it is a loopback one; ServiceError otherwise: the service listens on this
    machine only (anyone who reaches the port may ask it, so never on a network)."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ServiceError(f"--host {host}: give a loopback address (127.0.0.1, ::1)") from None
    if not address.is_loopback:
        raise ServiceError(f"--host {host}: not a loopback address; the gate service listens on this machine only")
    return str(address)


def bind_tcp(host: str, port: int) -> socket.socket:
    address = loopback(host)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError as e:
        sock.close()
        raise ServiceError(f"cannot listen on {address}:{port}: {e.strerror or e}") from e
    return sock


def address_of(sock: socket.socket) -> str:
    """How a client names this socket: unix:PATH or http://HOST:PORT."""
    if sock.family == socket.AF_UNIX:
        return f"unix:{sock.getsockname()}"
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


# -- running it -----------------------------------------------------------------------------------------


def open_service(
    open_gate: Callable[[], Any], log: AuditLog, info: dict[str, Any], rules: Path | None = None
) -> tuple[Service, str | None]:
    """The service on a gate and a log; also why the log refuses writes, if it does. A log that refuses does
    not stop the start: /health says why, and every check is refused with the reason until the log takes
    writes again (each tick tries), rather than a service manager restarting the service in a loop."""
    problem = None
    try:
        log.open()
    except AuditError as e:
        problem = f"{e}; checks are refused until it can be written"
    return Service(open_gate, log, info, rules=rules), problem


def run(
    service: Service,
    sock: socket.socket,
    announce: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
) -> None:
    """Serve on ``sock`` until SIGINT or SIGTERM; the socket file goes with the service."""
    import uvicorn

    service.info["address"] = address_of(sock)
    config = uvicorn.Config(
        build_app(service),
        http=peer_protocol(),
        lifespan="on",
        log_level="warning",
        access_log=False,
        backlog=2048,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    path = Path(sock.getsockname()) if sock.family == socket.AF_UNIX else None
    inode = path.stat().st_ino if path is not None else None
    announce(f"tcphw gate serve: {address_of(sock)} (backend {service.gate.validator.name}, log {service.log.path})")
    try:
        server.run(sockets=[sock])
    except (SystemExit, KeyboardInterrupt) as e:
        # uvicorn re-raises the SIGTERM or SIGINT it stopped on once it has shut down cleanly, and tcphw turns
        # them into SystemExit(128 + signal) and KeyboardInterrupt: a stop asked for, done, so exit 0
        if isinstance(e, SystemExit) and e.code not in (128 + signal.SIGTERM, 128 + signal.SIGINT):
            raise
    finally:
        sock.close()
        if path is not None:
            with contextlib.suppress(OSError):
                if path.stat().st_ino == inode:  # ours still: not one a later service made
                    path.unlink()
