"""Ask a running gate service (``tcphw gate serve``) for a decision, with the standard library only.

The Claude Code hook starts a fresh Python for every command line and has 150 ms to answer, so this module
imports nothing beyond the standard library and the gate's config (``http.client`` only when it asks). When no
service runs, or it does not answer, ``check`` raises ``ServiceUnavailable`` and the caller judges the line
itself. When it answers with a refusal instead of a decision (a 4xx for a bad request, a 503 when its audit log
takes no writes), ``check`` raises ``ServiceRefused``: not a decision, and not a reason to decide elsewhere
behind the service's back either (the hook denies).

Addresses are ``unix:/path/to/gate.sock`` or ``http://127.0.0.1:PORT``. ``service_address`` finds one: the
``"service"`` entry of the settings file (``config.settings_file()``) if it names one, else the default
socket (``config.service_socket()``) if a service accepts on it.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

from tcphw.host.gate import config

UNIX = "unix:"
HTTP = "http://"


class ServiceError(Exception):
    """No decision from the gate service; ``status`` is the HTTP status it answered with, if it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ServiceUnavailable(ServiceError):
    """No gate service answered: none runs, it could not be reached in time, or its answer was not HTTP and JSON.
    Fall back to judging the line in-process."""


class ServiceRefused(ServiceError):
    """The service answered with a refusal, one line in ``str(e)`` and its ``status``: 400/413 for a request it
    will not judge, 503 when its audit log takes no writes or the gate failed on the line."""


def _settings_address() -> str | None:
    try:
        with open(config.settings_file(), encoding="utf-8") as f:
            settings = json.load(f)
    except (OSError, ValueError):
        return None
    address = settings.get("service") if isinstance(settings, dict) else None
    return address if isinstance(address, str) and address.startswith((UNIX, HTTP)) else None


def _accepts(address: str, timeout: float = 0.2) -> bool:
    try:
        _connect(address, timeout).close()
    except OSError:
        return False
    return True


def _connect(address: str, timeout: float) -> socket.socket:
    if address.startswith(UNIX):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(address[len(UNIX) :])
        except OSError:
            s.close()
            raise
        return s
    try:
        host, port = _host_port(address)
    except ValueError as e:
        raise OSError(str(e)) from e
    return socket.create_connection((host, port), timeout=timeout)


def _host_port(address: str) -> tuple[str, int]:
    if not address.startswith(HTTP):
        raise ValueError(f"not a gate service address: {address!r} (give unix:PATH or http://HOST:PORT)")
    rest = address[len(HTTP) :].rstrip("/")
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"not a gate service address: {address!r} (give unix:PATH or http://HOST:PORT)")
    return host.strip("[]"), int(port)


def service_address() -> str | None:
    """The address of a running gate service, or None: the settings' if they name one, else the default
    socket's if a service accepts on it."""
    configured = _settings_address()
    if configured is not None:
        return configured
    path = config.service_socket()
    if os.path.exists(path):
        address = UNIX + str(path)
        if _accepts(address):
            return address
    return None


def _request(address: str, method: str, path: str, body: bytes | None, timeout: float) -> tuple[int, bytes]:
    import http.client

    class _Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = _connect(address, timeout)

    conn: http.client.HTTPConnection
    try:
        if address.startswith(UNIX):
            conn = _Connection("localhost", timeout=timeout)
        else:
            host, port = _host_port(address)
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
    except ValueError as e:
        raise ServiceUnavailable(str(e)) from e
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException) as e:
        raise ServiceUnavailable(f"the gate service at {address} did not answer: {e or type(e).__name__}") from e
    finally:
        conn.close()


def _answer(address: str, status: int, data: bytes) -> Any:
    try:
        obj = json.loads(data)
    except ValueError:
        raise ServiceUnavailable(f"the gate service at {address} answered {status} with no JSON", status) from None
    if status != 200:
        message = obj.get("error") if isinstance(obj, dict) else None
        raise ServiceRefused(f"the gate service at {address} answered {status}: {message or data!r}", status)
    return obj


def check(
    command: str,
    cwd: str,
    workspace: str | None = None,
    env: dict[str, str] | None = None,
    caller: str | None = None,
    timeout: float = 2.0,
    address: str | None = None,
) -> dict[str, Any]:
    """The service's decision on ``command`` run in ``cwd``: ``Check.as_dict()`` (decision, reason, parts) plus
    ``audit`` (the log row). ``address`` defaults to ``service_address()``. Raises ServiceUnavailable when no
    service runs or none answers within ``timeout`` seconds, ServiceRefused when it answers with a refusal."""
    where = address or service_address()
    if where is None:
        raise ServiceUnavailable("no gate service runs (tcphw gate serve starts one)")
    payload: dict[str, Any] = {"command": command, "cwd": cwd}
    if workspace is not None:
        payload["workspace"] = workspace
    if env:
        payload["env"] = env
    if caller is not None:
        payload["caller"] = caller
    status, data = _request(where, "POST", "/check", json.dumps(payload).encode(), timeout)
    answer = _answer(where, status, data)
    if not isinstance(answer, dict) or "decision" not in answer:
        raise ServiceUnavailable(f"the gate service at {where} answered without a decision", status)
    return answer


def health(address: str | None = None, timeout: float = 2.0) -> dict[str, Any]:
    """What the service says of itself (``GET /health``)."""
    where = address or service_address()
    if where is None:
        raise ServiceUnavailable("no gate service runs (tcphw gate serve starts one)")
    status, data = _request(where, "GET", "/health", None, timeout)
    answer = _answer(where, status, data)
    return answer if isinstance(answer, dict) else {}
