"""The fast software backend: the numba kernel (``tcphw.descriptors.kernel``) on one or more threads.

Threads are plain Python threads running the ``nogil`` kernel on contiguous slices, so the thread
count is explicit and there is no dependency on a numba threading layer. numba is imported when the
backend is opened, not when it is registered, so listing backends (and ``tcphw --help``) stays quick.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from tcphw.host.backends.base import Backend, BackendOption, BackendUnavailable, Descriptors, Verdicts, register_backend

# More threads than this is a typo, not a machine: refused with the accepted range.
MAX_THREADS = 256

# Below this many descriptors per thread, threading costs more than it saves.
_MIN_PER_THREAD = 1 << 16


def numba_version() -> str:
    import numba

    return str(numba.__version__)


def usable_cores() -> int:
    """The software backend's default thread count: the cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


SliceRun = Callable[[np.ndarray, int, int], None]  # run(out, start, stop), as kernel.slice_runner gives


def run_in_slices(pool: ThreadPoolExecutor, run: SliceRun, out: np.ndarray, workers: int) -> None:
    """``run(out, start, stop)`` on ``workers`` contiguous slices of ``out`` at once, in ``pool``."""
    bounds = np.linspace(0, len(out), workers + 1).astype(np.int64)
    for part in [pool.submit(run, out, int(a), int(b)) for a, b in itertools.pairwise(bounds)]:
        part.result()


@register_backend
class SoftwareBackend(Backend):
    """numba kernel (carry-less or table CRC), multi-threaded over contiguous slices."""

    name = "software"
    description = "numba kernel on one or more threads (the fast reference)"
    options = (
        BackendOption("threads", int, "worker threads (default: every core this process may use)", 1, MAX_THREADS),
        BackendOption("path", str, "kernel path: avx2, vclmul, clmul or tables (default: the fastest this CPU runs)"),
    )

    @classmethod
    def host_threads(cls, options: dict[str, Any]) -> int:
        return int(options.get("threads") or usable_cores())

    @classmethod
    def machine_note(cls) -> str:
        from tcphw.descriptors import kernel  # load-time: numba, for the one listing that shows the path

        path = kernel.best_path()
        return f"kernel path on this machine: {path} ({kernel.PATHS[path]})"

    def __init__(self, threads: int | None = None, path: str | None = None) -> None:
        if sys.byteorder != "little":
            raise BackendUnavailable("the software kernel reads descriptors as little-endian words; use 'reference'")
        self.threads = int(threads) if threads else usable_cores()
        if not 1 <= self.threads <= MAX_THREADS:
            raise ValueError(f"threads must be from 1 to {MAX_THREADS}, got {threads}")
        # load-time: numba, only when the backend opens (listing the backends imports this module)
        from tcphw.descriptors import kernel

        self._kernel = kernel
        self.path = kernel.check_path(path)
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None

    def _validate(self, descriptors: Descriptors) -> Verdicts:
        n = len(descriptors)
        out = np.empty(n, dtype=np.uint8)
        run = self._kernel.slice_runner(descriptors, self.path)
        workers = min(self.threads, max(1, n // _MIN_PER_THREAD))
        if workers <= 1 or self._pool is None:
            run(out, 0, n)
            return out
        run_in_slices(self._pool, run, out, workers)
        return out

    def info(self) -> dict[str, Any]:
        threads = "1 thread" if self.threads == 1 else f"{self.threads} threads over contiguous slices"
        return {
            **super().info(),
            "description": f"numba kernel, {self.path} path ({self._kernel.PATHS[self.path]}), {threads}",
            "threads": self.threads,
            "path": self.path,
            "numba": numba_version(),
        }

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
