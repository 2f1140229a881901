"""The GPU backend: numba.cuda kernels, chunked through pinned buffers on two streams.

One thread validates one descriptor (grid-stride loop). The CRC position tables live in shared
memory (22 x 256 x 4 bytes = 22.5 KiB a block). Corpora larger than a chunk, or than GPU memory,
stream through two pinned host buffers and two CUDA streams, so the copy of one chunk overlaps the
kernel of the other. CUDA events time host-to-device copies, kernels and device-to-host copies
separately; ``last_breakdown`` holds them for ``tcphw bench``.

Without a GPU, ``NUMBA_ENABLE_CUDASIM=1`` (set before numba is imported) runs the same kernel in
numba's CUDA simulator on the CPU: correct but ~10k descriptors/s, used by the test suite.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from tcphw.contract import CRC_COVERED_BYTES
from tcphw.descriptors import WORDS, as_words
from tcphw.descriptors.golden import golden_arrays
from tcphw.host.backends.base import (
    Backend,
    BackendError,
    BackendOption,
    BackendUnavailable,
    Descriptors,
    Verdicts,
    register_backend,
)

_TABLE_WORDS = CRC_COVERED_BYTES * 256
_kernel_cache: dict[str, Any] = {}


def cuda_module() -> Any:
    """numba.cuda, imported on first use (importing it costs start-up time every CLI call would pay)."""
    from numba import cuda

    return cuda


def simulator_enabled() -> bool:
    from numba import config

    return bool(getattr(config, "ENABLE_CUDASIM", False))


def gpu_available() -> bool:
    """A real CUDA device is usable (the simulator does not count)."""
    try:
        return not simulator_enabled() and bool(cuda_module().is_available())
    except Exception:  # a broken driver install reads as "no GPU", with the reason shown by the backend itself
        return False


# Bound on first use (see cuda_module): the kernel must name them as module globals, because
# numba's CUDA simulator swaps the ``cuda`` global of a kernel for its fake module.
cuda: Any = None
uint32: Any = None
_verdict_device: Any = None


# Plain Python until _build_kernel compiles it with cuda.jit.
def _validate_kernel(w, out, tables, risk_table, n):  # type: ignore[no-untyped-def]
    t = cuda.shared.array(_TABLE_WORDS, dtype=uint32)
    for k in range(cuda.threadIdx.x, _TABLE_WORDS, cuda.blockDim.x):
        t[k] = tables[k]
    cuda.syncthreads()
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    while i < n:
        b = WORDS * i
        out[i] = _verdict_device(w[b], w[b + 1], w[b + 2], w[b + 3], w[b + 4], w[b + 5], t, risk_table)
        i += stride


def _build_kernel() -> Any:
    global cuda, uint32, _verdict_device
    if "validate" not in _kernel_cache:
        cuda = cuda_module()
        from numba import uint32 as u32

        uint32 = u32
        # the CPU kernel's verdict function, compiled for the GPU: one arithmetic, two targets
        from tcphw.descriptors.kernel import verdict_of_words

        _verdict_device = cuda.jit(device=True)(verdict_of_words)
        _kernel_cache["validate"] = cuda.jit(_validate_kernel)
    return _kernel_cache["validate"]


def _versions() -> str:
    from importlib import metadata

    found = []
    for name in ("numba", "numba-cuda", "numpy"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"no {name}")
    return ", ".join(found)


def device_description(cuda: Any) -> dict[str, Any]:
    """Name, compute capability, memory and the theoretical memory bandwidth the driver reports."""
    info: dict[str, Any] = {"simulator": simulator_enabled()}
    try:
        dev = cuda.get_current_device()
        info["device"] = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
        info["compute_capability"] = list(dev.compute_capability)
        info["multiprocessors"] = int(dev.MULTIPROCESSOR_COUNT)
        # DDR: two transfers per memory clock; MEMORY_CLOCK_RATE is in kHz, bus width in bits.
        info["peak_bandwidth_bytes_s"] = 2 * dev.MEMORY_CLOCK_RATE * 1e3 * dev.GLOBAL_MEMORY_BUS_WIDTH / 8
        free, total = cuda.current_context().get_memory_info()
        info["memory_bytes"] = int(total)
        info["memory_free_bytes"] = int(free)
    except Exception as e:  # the simulator lacks some of these; say so rather than guess
        info["device_query_error"] = f"{type(e).__name__}: {e}"
    return info


@register_backend
class GpuBackend(Backend):
    """numba.cuda kernel, chunked through pinned host buffers on two CUDA streams."""

    name = "gpu"
    description = "numba.cuda kernel; chunked, pinned buffers, two streams (needs an NVIDIA GPU)"
    options = (
        BackendOption("chunk", int, "descriptors per chunk through the pinned buffers", 1, 1 << 30),
        BackendOption("block", int, "threads per block", 1, 1024),
        BackendOption("blocks", int, "blocks in the grid (0: 8 per multiprocessor)", 0, 1 << 20),
    )

    @classmethod
    def resources(cls, options: dict[str, Any]) -> dict[str, float]:
        return {"gpu": 1}

    def __init__(self, chunk: int = 1 << 24, block: int = 256, blocks: int = 0) -> None:
        cuda = cuda_module()
        if not cuda.is_available():
            raise BackendUnavailable(
                "no CUDA device is available (numba.cuda found no usable NVIDIA GPU and driver); "
                "use --backend software, or run on a machine with a GPU "
                "(NUMBA_ENABLE_CUDASIM=1 runs the kernel in numba's slow CPU simulator for testing)"
            )
        if chunk < 1 or block < 1 or blocks < 0:
            raise ValueError(f"chunk and block must be >= 1 and blocks >= 0, got {chunk}, {block}, {blocks}")
        self._cuda = cuda
        self.simulator = simulator_enabled()
        self.slow = self.simulator
        self.block = block
        self.device = device_description(cuda)
        sms = int(self.device.get("multiprocessors", 1))
        # Enough resident blocks to hide latency; each block loads the tables once (grid-stride loop).
        self.blocks = blocks or (2 if self.simulator else sms * 8)
        self.chunk = chunk
        try:
            self._kernel = _build_kernel()
        except Exception as e:
            raise BackendUnavailable(
                f"numba cannot build the gpu kernel ({_versions()}): {type(e).__name__}: {e}"
            ) from e
        # load-time: numba, only when the backend opens
        from tcphw.descriptors.kernel import CRC_TABLES_U16, RISK_TABLE

        self._tables = cuda.to_device(CRC_TABLES_U16.astype(np.uint32).ravel())
        self._risk = cuda.to_device(RISK_TABLE.astype(np.uint8))
        self._streams = [cuda.stream(), cuda.stream()]
        self._slots: list[dict[str, Any]] = []
        self._slot_chunk = 0
        self._check_on_golden_vectors()

    def _check_on_golden_vectors(self) -> None:
        """Compile and run the kernel once, on the golden vectors, before any real work: a CUDA stack that
        cannot compile it (seen: numba-cuda 0.30.4 with numpy 2.5) or a device that computes wrongly is
        found here, as one line, and not as a traceback after the corpus was loaded."""
        data, expected = golden_arrays()
        try:
            with warnings.catch_warnings():
                # a handful of vectors is one small block: numba's occupancy warning says nothing here
                warnings.filterwarnings("ignore", message=".*Grid size")  # the text starts with a colour code
                got = self._validate(data)
        except Exception as e:
            raise BackendUnavailable(
                f"the gpu kernel cannot run on this CUDA stack ({_versions()}): {type(e).__name__}: {e}"
            ) from e
        finally:
            self.last_breakdown = None
        wrong = int(np.count_nonzero(got != expected))
        if wrong:
            raise BackendError(f"the gpu gives the wrong verdict on {wrong} of {len(expected)} golden vectors")

    def _ensure_slots(self, per_chunk: int) -> None:
        """Two pinned host/device buffer pairs, one per stream; reallocated only when a larger chunk is needed."""
        if self._slot_chunk >= per_chunk:
            return
        cuda = self._cuda
        self._slots = [
            {
                "h_in": cuda.pinned_array(per_chunk * WORDS, dtype=np.uint32),
                "h_out": cuda.pinned_array(per_chunk, dtype=np.uint8),
                "d_in": cuda.device_array(per_chunk * WORDS, dtype=np.uint32),
                "d_out": cuda.device_array(per_chunk, dtype=np.uint8),
            }
            for _ in range(2)
        ]
        self._slot_chunk = per_chunk

    def _validate(self, descriptors: Descriptors) -> Verdicts:
        cuda = self._cuda
        n = len(descriptors)
        out = np.empty(n, dtype=np.uint8)
        if n == 0:
            self.last_breakdown = {"h2d_s": 0.0, "kernel_s": 0.0, "d2h_s": 0.0}
            return out
        words = as_words(descriptors)
        per_chunk = min(self.chunk, n)
        self._ensure_slots(per_chunk)
        timing = {"h2d_s": 0.0, "kernel_s": 0.0, "d2h_s": 0.0}
        pending: list[tuple[int, int, list[Any]] | None] = [None, None]

        def finish(slot: int) -> None:
            job = pending[slot]
            if job is None:
                return
            lo, hi, ev = job
            ev[3].synchronize()
            out[lo:hi] = self._slots[slot]["h_out"][: hi - lo]
            timing["h2d_s"] += ev[0].elapsed_time(ev[1]) / 1e3
            timing["kernel_s"] += ev[1].elapsed_time(ev[2]) / 1e3
            timing["d2h_s"] += ev[2].elapsed_time(ev[3]) / 1e3
            pending[slot] = None

        for c, lo in enumerate(range(0, n, per_chunk)):
            hi = min(lo + per_chunk, n)
            m = hi - lo
            slot = c % 2
            finish(slot)  # the buffers of this slot are free once its previous chunk is done
            buf, stream = self._slots[slot], self._streams[slot]
            buf["h_in"][: m * WORDS] = words[lo * WORDS : hi * WORDS]
            ev = [cuda.event() for _ in range(4)]
            ev[0].record(stream)
            buf["d_in"][: m * WORDS].copy_to_device(buf["h_in"][: m * WORDS], stream=stream)
            ev[1].record(stream)
            grid = min(self.blocks, math.ceil(m / self.block))
            self._kernel[grid, self.block, stream](buf["d_in"], buf["d_out"], self._tables, self._risk, m)
            ev[2].record(stream)
            buf["d_out"][:m].copy_to_host(buf["h_out"][:m], stream=stream)
            ev[3].record(stream)
            pending[slot] = (lo, hi, ev)
        finish(0)
        finish(1)
        self.last_breakdown = timing
        return out

    def info(self) -> dict[str, Any]:
        return {**super().info(), **self.device, "chunk": self.chunk, "block": self.block, "blocks": self.blocks}

    def peak_bandwidth_bytes_s(self) -> float | None:
        peak = self.device.get("peak_bandwidth_bytes_s")
        return float(peak) if peak else None

    def close(self) -> None:
        self._slots = []
        self._slot_chunk = 0
