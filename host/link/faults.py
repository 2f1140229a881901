"""Byte-stream fault injection: drop, corrupt and insert bytes at given rates, reproducibly.

Used between the host and a board: in tests through ``host/link/model_port.py`` (the link model)
and, in front of a real or virtual board, through the link proxy.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FaultInjector:
    drop: float = 0.0
    corrupt: float = 0.0
    insert: float = 0.0
    seed: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        for name in ("drop", "corrupt", "insert"):
            rate = getattr(self, name)
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"--{name} must be a probability in [0, 1), got {rate}")
        self.rate = self.drop + self.corrupt + self.insert
        if self.rate >= 1.0:
            raise ValueError(f"drop + corrupt + insert must be below 1, got {self.rate}")
        self._rng = random.Random(self.seed)
        self._gap = self._next_gap()

    @property
    def active(self) -> bool:
        return self.rate > 0

    def _next_gap(self) -> int:
        """Bytes before the next fault: geometric, so the cost is per fault, not per byte."""
        if not self.rate:
            return 1 << 62
        return int(math.log(1.0 - self._rng.random()) / math.log(1.0 - self.rate))

    def apply(self, data: bytes) -> bytes:
        """``data`` with faults at ``rate`` per byte, each one, in proportion to the three rates:
        a random byte inserted, the byte dropped, or one of its bits flipped (the hardest case
        for a CRC). The fault positions carry over from one call to the next."""
        if not self.active:
            return data
        rng, out, pos = self._rng, bytearray(), 0
        while pos + self._gap < len(data):
            at = pos + self._gap
            out += data[pos:at]
            kind = rng.random() * self.rate
            if kind < self.insert:
                out.append(rng.randrange(256))
                self.counts["inserted"] += 1
                pos = at  # the byte itself goes on unharmed
            elif kind < self.insert + self.drop:
                self.counts["dropped"] += 1
                pos = at + 1
            else:
                out.append(data[at] ^ (1 << rng.randrange(8)))
                self.counts["corrupted"] += 1
                pos = at + 1
            self._gap = self._next_gap()
        self._gap -= len(data) - pos
        out += data[pos:]
        return bytes(out)
