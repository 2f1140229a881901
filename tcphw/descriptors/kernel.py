"""The fast verdict kernel: numba, bit-identical to the spec-literal reference.

The ``software`` backend (``tcphw.host.backends.software``) runs it on threads; the gpu backend
compiles ``verdict_of_words`` for CUDA; the link model and the testbenches call ``verdicts``.

Four paths give the same verdicts (``PATHS``; docs/kernel.md has their measurements): ``avx2``
(``tcphw.descriptors.wide``) computes whole verdicts four at a time in vector registers; ``vclmul``
and ``clmul`` (``tcphw.descriptors.clmul``) check the CRC with carry-less multiplication and the
fields in general registers; ``tables``, below, runs anywhere (and is what the gpu backend
compiles). Speed of the table path comes from these choices, each measured with ``tcphw bench``:
- the CRC uses per-position tables (see ``tcphw.descriptors.crc_tables``), so its 22 lookups are
  independent instead of a serial chain, and a descriptor is read as six 32-bit words (byte
  extraction from 32-bit words compiles to fewer instructions than from 64-bit ones: +10%);
- a correct magic+version prefix contributes a constant CRC term, so the common case does 16
  lookups (a wrong prefix takes all 22, so BAD_CRC stays exact);
- the risk check and the decision come from one 32-entry table indexed by flag bits 0-4;
- threads are plain Python threads running a ``nogil`` kernel on contiguous slices, so the
  thread count is explicit and there is no dependency on a numba threading layer.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import numba
import numpy as np

from tcphw.contract import (
    CRC_COVERED_BYTES,
    DECISION_SHIFT,
    DESCRIPTOR_SIZE,
    ERROR_MASK,
    FIELD,
    MAGIC,
    RESERVED_MASK,
    RISK_MASK,
    VERSION,
    Decision,
    VerdictBit,
)

from . import WORDS, Descriptors, Verdicts, as_words, clmul, wide
from .crc_tables import position_tables
from .risk_table import risk_table


def _le_word(data: bytes) -> int:
    return int.from_bytes(data, "little")


_ZEROS_CRC, CRC_TABLES_U16 = position_tables(CRC_COVERED_BYTES)
# int64 entries let the XOR take its operand straight from memory (measured faster than uint16).
CRC_TABLES = CRC_TABLES_U16.astype(np.int64).ravel()
RISK_TABLE = risk_table().astype(np.int64)

# The kernel reads each descriptor as six little-endian 32-bit words: byte i of the
# descriptor is bits 8*(i%4).. of word i//4. These constants are the contract's fields in that view.
assert DESCRIPTOR_SIZE == 24 and CRC_COVERED_BYTES == 22 and FIELD["flags"].offset == 10
_MAGIC_LE = _le_word(MAGIC)  # word 0
_VERSION_LE = _le_word(VERSION.to_bytes(2, "big"))  # word 1, bits 0-15
# A valid magic+version prefix (bytes 0-5) always adds the same term to the CRC: precompute it so
# the common case does 16 lookups instead of 22. Wrong prefixes take the full path (exact BAD_CRC).
_PREFIX_CRC = _ZEROS_CRC
for _i, _b in enumerate(MAGIC + VERSION.to_bytes(2, "big")):
    _PREFIX_CRC ^= int(CRC_TABLES_U16[_i, _b])
# Flag bits 8-15 are byte 12 (word 3, bits 0-7); flag bits 0-7 are byte 13 (word 3, bits 8-15).
_RES_BYTE12 = (RESERVED_MASK >> 8) & 0xFF
_RES_BYTE13 = RESERVED_MASK & 0xFF
_RISK_BITS = RISK_MASK
_REJECT = int(Decision.REJECT) << DECISION_SHIFT
_BAD_MAGIC = int(VerdictBit.BAD_MAGIC)
_BAD_VERSION = int(VerdictBit.BAD_VERSION)
_BAD_CRC = int(VerdictBit.BAD_CRC)
_RESERVED_SET = int(VerdictBit.RESERVED_SET)


def verdict_of_words(u0, u1, u2, u3, u4, u5, t, risk_table):  # type: ignore[no-untyped-def]
    """The verdict of one descriptor given as six little-endian 32-bit words.

    Plain Python compiled twice: for the CPU below and as a CUDA device function by the gpu backend,
    so both run the same arithmetic. ``t[256*i + byte_i]`` is position i's CRC term; the lookups are
    written out so that every one is independent.
    """
    crc = _PREFIX_CRC
    if u0 != _MAGIC_LE or (u1 & 0xFFFF) != _VERSION_LE:
        crc = (
            _ZEROS_CRC
            ^ t[0 + (u0 & 0xFF)]
            ^ t[256 + ((u0 >> 8) & 0xFF)]
            ^ t[512 + ((u0 >> 16) & 0xFF)]
            ^ t[768 + (u0 >> 24)]
            ^ t[1024 + (u1 & 0xFF)]
            ^ t[1280 + ((u1 >> 8) & 0xFF)]
        )
    crc ^= t[1536 + ((u1 >> 16) & 0xFF)]
    crc ^= t[1792 + (u1 >> 24)]
    crc ^= t[2048 + (u2 & 0xFF)]
    crc ^= t[2304 + ((u2 >> 8) & 0xFF)]
    crc ^= t[2560 + ((u2 >> 16) & 0xFF)]
    crc ^= t[2816 + (u2 >> 24)]
    crc ^= t[3072 + (u3 & 0xFF)]
    crc ^= t[3328 + ((u3 >> 8) & 0xFF)]
    crc ^= t[3584 + ((u3 >> 16) & 0xFF)]
    crc ^= t[3840 + (u3 >> 24)]
    crc ^= t[4096 + (u4 & 0xFF)]
    crc ^= t[4352 + ((u4 >> 8) & 0xFF)]
    crc ^= t[4608 + ((u4 >> 16) & 0xFF)]
    crc ^= t[4864 + (u4 >> 24)]
    crc ^= t[5120 + (u5 & 0xFF)]
    crc ^= t[5376 + ((u5 >> 8) & 0xFF)]
    stored = ((u5 >> 8) & 0xFF00) | (u5 >> 24)  # bytes 22 (high), 23 (low)
    err = 0
    if u0 != _MAGIC_LE:
        err |= _BAD_MAGIC
    if (u1 & 0xFFFF) != _VERSION_LE:
        err |= _BAD_VERSION
    if crc != stored:
        err |= _BAD_CRC
    if (u3 & _RES_BYTE12) != 0 or ((u3 >> 8) & _RES_BYTE13) != 0:
        err |= _RESERVED_SET
    v = risk_table[(u3 >> 8) & _RISK_BITS] | err
    if v & ERROR_MASK:
        v = (v & ERROR_MASK) | _REJECT
    return v


_verdict_cpu = numba.njit(inline="always")(verdict_of_words)


@numba.njit(nogil=True, cache=True, boundscheck=False)
def validate_slice(w, out, t, risk_table, start, stop):  # type: ignore[no-untyped-def]
    """Verdicts for descriptors [start, stop) of the flat uint32 word array ``w`` (6 words each)."""
    for n in range(start, stop):
        b = WORDS * n
        out[n] = _verdict_cpu(w[b], w[b + 1], w[b + 2], w[b + 3], w[b + 4], w[b + 5], t, risk_table)


# The kernel's paths, identical verdicts: `tcphw backends` shows which one runs here.
PATHS = {
    "avx2": "the whole verdict of four descriptors at once in 256-bit registers (AVX2), the CRC by VPCLMULQDQ",
    "vclmul": "CRC by carry-less multiplication, two descriptors per 256-bit VPCLMULQDQ product",
    "clmul": "CRC checked by carry-less multiplication (PCLMULQDQ, 4 products a descriptor)",
    "tables": "CRC from 16 independent position-table lookups (portable)",
}


@functools.cache  # asking LLVM for the CPU's features takes ~0.3 ms; the link model asks once a frame
def runnable_paths() -> tuple[str, ...]:
    """The paths this CPU can run, fastest first (docs/kernel.md has the measurements)."""
    wide_paths = ("avx2", "vclmul") if clmul.supported_wide() else ()
    narrow = ("clmul",) if clmul.supported() else ()
    return (*wide_paths, *narrow, "tables")


def best_path() -> str:
    """The fastest path this CPU can run."""
    return runnable_paths()[0]


def check_path(path: str | None) -> str:
    """``path``, or the best one where it is None; ValueError if this machine cannot run it."""
    if path is None:
        return best_path()
    if path not in PATHS:
        raise ValueError(f"kernel path must be one of {', '.join(PATHS)}, got {path!r}")
    if path not in runnable_paths():
        needs = "PCLMULQDQ" if path == "clmul" else "VPCLMULQDQ and AVX2"
        raise ValueError(f"kernel path {path} needs an x86-64 CPU with {needs}; this one has none (use tables)")
    return path


SliceRunner = Callable[[np.ndarray, int, int], None]
WordView = Callable[[np.ndarray], np.ndarray]
PathKernel = Callable[[np.ndarray, np.ndarray, int, int], None]  # run(words, out, start, stop)


@functools.cache
def path_kernel(path: str) -> tuple[WordView, PathKernel]:
    """The flat word view a path reads descriptors through, and its kernel over that view."""
    if sys.byteorder != "little":
        raise RuntimeError("the verdict kernel reads descriptors as little-endian words")
    if path == "avx2":
        return clmul.as_quads, lambda q, out, start, stop: wide.validate_slice(q, out, RISK_TABLE, start, stop)
    if path in ("clmul", "vclmul"):
        kernel = clmul.validate_slice_wide if path == "vclmul" else clmul.validate_slice
        return clmul.as_quads, lambda q, out, start, stop: kernel(q, out, RISK_TABLE, start, stop)
    return as_words, lambda w, out, start, stop: validate_slice(w, out, CRC_TABLES, RISK_TABLE, start, stop)


def slice_runner(descriptors: Descriptors, path: str) -> SliceRunner:
    """``run(out, start, stop)`` fills ``out[start:stop]``; it releases the GIL, so threads share one array."""
    view, kernel = path_kernel(path)
    words = view(descriptors)
    return lambda out, start, stop: kernel(words, out, start, stop)


def verdicts(descriptors: Descriptors, path: str | None = None) -> Verdicts:
    """The verdicts of an ``N x 24`` uint8 array, on this thread, by ``path`` (default: the best here)."""
    out = np.empty(len(descriptors), dtype=np.uint8)
    slice_runner(descriptors, check_path(path))(out, 0, len(descriptors))
    return out


def verdict_bytes(payload: bytes) -> bytes:
    """The verdicts of the descriptors packed in ``payload`` (a multiple of 24 bytes), by the best path.

    The link model calls this once a frame of a few descriptors: without the reshapes and path
    checks of ``verdicts``, a 4-descriptor call takes 4.1 us instead of 6.1 (timeit, one process)."""
    if len(payload) % DESCRIPTOR_SIZE:
        raise ValueError(f"{len(payload)} bytes is not a whole number of {DESCRIPTOR_SIZE}-byte descriptors")
    view, kernel = path_kernel(best_path())
    out = np.empty(len(payload) // DESCRIPTOR_SIZE, dtype=np.uint8)
    kernel(view(np.frombuffer(payload, np.uint8)), out, 0, len(out))
    return out.tobytes()


def stream_runner(descriptors: Descriptors) -> SliceRunner:
    """The streaming bound's loop as ``run(out, start, stop)``, like ``slice_runner``: it reads every descriptor
    with the vector loads of the ``avx2`` path and writes one byte each (not a verdict).
    ``tcphw.descriptors.wide`` says why a scalar loop is not the bound."""
    quads = clmul.as_quads(descriptors)
    return lambda out, start, stop: wide.stream_slice(quads, out, start, stop)


def stream(descriptors: Descriptors) -> np.ndarray:
    """The streaming bound's loop over an ``N x 24`` array, on this thread (``tcphw bench`` times it)."""
    out = np.empty(len(descriptors), dtype=np.uint8)
    stream_runner(descriptors)(out, 0, len(descriptors))
    return out
