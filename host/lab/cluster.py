"""Work spread over a Dask cluster: builds on any worker, measurements where the board is.

The same code runs on one laptop (``dask scheduler`` and ``dask worker`` on localhost, or a
``LocalCluster``) and on a lab's machines. Boards are worker resources: a worker started with
``dask worker --resources "board-icebreaker=1"`` is where a ``board`` backend for the iCEBreaker runs
(a real board on that host's port, or a virtual one); ``gpu=1`` marks a worker with a GPU. Each backend says
what it needs (``Backend.resources``), so a new one is placed without a line here.
"""

from __future__ import annotations

from typing import Any

from tcphw.extras import require
from tcphw.host.backends import backend_class, parse_backend_spec

CONNECT_TIMEOUT_S = 10


class ClusterError(RuntimeError):
    """The cluster cannot do what was asked (no scheduler, no worker with the board)."""


def connect(address: str) -> Any:
    """A ``distributed.Client`` for the scheduler at ``address`` (tcp://HOST:8786), or one clear error."""
    distributed = require("lab", "distributed", "--cluster")
    _refuse_a_closed_port(address)
    try:
        return distributed.Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterError(f"no Dask scheduler answered at {address} in {CONNECT_TIMEOUT_S} s ({e})") from e


def _refuse_a_closed_port(address: str) -> None:
    """A TCP port that refuses the connection is answered at once; Dask itself retries it until its timeout."""
    import socket
    from urllib.parse import urlsplit

    if not address.startswith("tcp://"):
        return  # other transports (tls://, inproc://): Dask's own timeout decides
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port or 8786  # Dask's default scheduler port
    except ValueError as e:
        raise ClusterError(f"{address} is not a scheduler address like tcp://HOST:8786 ({e})") from None
    if not host:
        raise ClusterError(f"{address} is not a scheduler address like tcp://HOST:8786")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as e:
        raise ClusterError(f"no Dask scheduler answered at {address} ({e.strerror or e})") from e


def backend_resources(spec: str) -> dict[str, float]:
    """The worker resources the backend ``spec`` needs, as the backend declares them (``Backend.resources``: its
    board for ``board``, a GPU for ``gpu``, nothing for a CPU backend, which then runs on any worker)."""
    name, options = parse_backend_spec(spec)
    return backend_class(name).resources(options)


def worker_resources(client: Any) -> dict[str, dict[str, float]]:
    """Worker address -> the resources it offers."""
    info = client.scheduler_info(n_workers=-1)
    return {address: dict(w.get("resources") or {}) for address, w in info["workers"].items()}


def check_resources(client: Any, needed: dict[str, float], what: str) -> None:
    """Refuse before any work when no worker offers ``needed`` (a task for it would wait forever)."""
    if not needed:
        return
    offered = worker_resources(client)
    if not offered:
        raise ClusterError("the cluster has no workers")
    if not any(all(r.get(k, 0) >= v for k, v in needed.items()) for r in offered.values()):
        wanted = ",".join(f"{k}={v:g}" for k, v in needed.items())
        raise ClusterError(
            f"{what} needs a worker with {wanted}, and none has it: start one on the board's host with "
            f'dask worker SCHEDULER --resources "{wanted}"'
        )
