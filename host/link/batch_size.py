"""How many descriptors to put in one VALIDATE frame on a link that loses bytes.

A frame of n descriptors puts 24n + 11 bytes on the wire to the board and exposes
25n + 22 bytes (request and answer) to faults; one fault anywhere costs the whole frame. At a
fault rate p per byte the rate of confirmed descriptors per byte sent is

    g(n) = n (1 - p)^(25n + 22) / (24n + 11)

Setting d/dn ln g(n) = 0 gives 24n^2 + 11n = 11 / (25 L), with L = -ln(1 - p): the batch
that gets most verdicts through. On a clean link it is the board's capacity; at 1% of bytes
faulty it is one descriptor (62% of single-descriptor frames get through; 4-descriptor frames,
29%). ``FaultRate`` estimates p from how frames fared, forgetting old frames so it follows a
link whose quality changes.
"""

from __future__ import annotations

import math

from tcphw import contract as c

_REQUEST_OVERHEAD = c.FRAME_OVERHEAD  # bytes of a VALIDATE frame besides its descriptors
_EXPOSED_OVERHEAD = 2 * c.FRAME_OVERHEAD  # request and answer framing
_EXPOSED_PER_DESCRIPTOR = c.DESCRIPTOR_SIZE + 1  # the descriptor out, its verdict back


def exposed_bytes(count: int) -> int:
    """Bytes on the wire, both ways, for a frame of ``count`` descriptors and its answer."""
    return _EXPOSED_PER_DESCRIPTOR * count + _EXPOSED_OVERHEAD


def goodput(count: int, fault_rate: float) -> float:
    """Confirmed descriptors per byte sent to the board, at ``fault_rate`` faults per byte."""
    success = (1.0 - fault_rate) ** exposed_bytes(count)
    return count * success / (c.DESCRIPTOR_SIZE * count + _REQUEST_OVERHEAD)


def best_batch(fault_rate: float, capacity: int) -> int:
    """The batch size (1..capacity) with the highest ``goodput`` at ``fault_rate``."""
    if fault_rate <= 0.0:
        return capacity
    if fault_rate >= 1.0:
        return 1
    log_q = -math.log1p(-fault_rate)
    a, b = c.DESCRIPTOR_SIZE, _REQUEST_OVERHEAD
    # a n^2 + b n = b / (25 L); the best integer n is one of the two around the root.
    root = (-b + math.sqrt(b * b + 4 * a * b / (_EXPOSED_PER_DESCRIPTOR * log_q))) / (2 * a)
    candidates = {max(1, min(capacity, math.floor(root))), max(1, min(capacity, math.ceil(root)))}
    return max(sorted(candidates), key=lambda n: goodput(n, fault_rate))


class FaultRate:
    """Faults per byte, estimated from frames: each failed frame counts as one fault among the
    bytes it exposed. Old frames weigh less (``memory`` frames or so), so the estimate follows
    a link that gets better or worse."""

    def __init__(self, memory: int = 64) -> None:
        self._keep = 1.0 - 1.0 / memory
        self._faults = 0.0
        self._bytes = 0.0

    def record(self, count: int, ok: bool) -> None:
        self._faults = self._faults * self._keep + (0.0 if ok else 1.0)
        self._bytes = self._bytes * self._keep + exposed_bytes(count)

    @property
    def rate(self) -> float:
        return self._faults / self._bytes if self._bytes else 0.0
