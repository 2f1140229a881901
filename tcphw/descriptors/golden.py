"""The golden-vector file format: ``<24 bytes hex> <verdict hex> # what the case checks``, one per line."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np

#: The hand-written vectors, shipped beside the contract (every backend and the gateware are checked on them).
GOLDEN_VECTORS = Path(str(files("tcphw") / "golden_vectors.txt"))


def load_golden(path: Path = GOLDEN_VECTORS) -> list[tuple[bytes, int, str]]:
    """``(descriptor, expected verdict, comment)`` for each case; ``#`` lines and blank lines are skipped."""
    cases = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        data, comment = line.split("#", 1)
        hexbytes, verdict = data.split()
        cases.append((bytes.fromhex(hexbytes), int(verdict, 16), comment.strip()))
    return cases


def golden_arrays(path: Path = GOLDEN_VECTORS) -> tuple[np.ndarray, np.ndarray]:
    """The vectors as an ``N x 24`` uint8 array and the ``N`` expected verdicts."""
    cases = load_golden(path)
    data = np.frombuffer(b"".join(c[0] for c in cases), dtype=np.uint8).reshape(-1, 24)
    return data, np.array([c[1] for c in cases], dtype=np.uint8)
