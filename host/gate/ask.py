"""One line to the gate: the shared gate service when one runs, else this process's own gate.

The service (``tcphw gate serve``, its stdlib client ``tcphw.host.gate.client``) validates the descriptors of a
fleet's lines together and logs every decision; a caller that finds none answers in-process with the same
engine, so an agent is never left without an answer. Both give ``Check.as_dict()``'s shape.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from tcphw.host.gate.gate import Gate


def ask(
    local: Callable[[], Gate],
    command: str,
    cwd: str,
    workspace: str | None = None,
    env: dict[str, str] | None = None,
    caller: str | None = None,
    use_service: bool = True,
) -> tuple[dict[str, Any], str]:
    """(the decision as ``Check.as_dict()``, "service" or "in-process"). ``local`` opens this process's gate
    only when it is needed. A service that is configured but does not answer falls back to ``local``; any
    other error of the service's (a refused request) is raised, never read as a decision."""
    if use_service:
        client = _client()
        if client is not None and client.service_address() is not None:
            try:
                answer = client.check(command, cwd, workspace=workspace, env=env, caller=caller)
                return dict(answer), "service"
            except client.ServiceUnavailable:
                pass
    return local().check(command, cwd, workspace, env).as_dict(), "in-process"


def _client() -> Any | None:
    """The service's client module, or None in an installation without it."""
    try:
        return importlib.import_module("tcphw.host.gate.client")
    except ModuleNotFoundError as e:
        if e.name != "tcphw.host.gate.client":
            raise  # the client is there but something it needs is not: say so
        return None
