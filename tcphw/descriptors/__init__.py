"""The descriptor library: arrays of 24-byte descriptors and what every layer does with them.

It sits just above the contract (README, "Layout"), so the gateware's testbenches, the link model
and the host share one generator, one corpus format, one set of golden vectors and one fast
verdict kernel:

- ``generate``: seeded corpora of valid descriptors and every kind of corruption;
- ``corpus``: the ``.tcpd`` file format (raw descriptors) and verdict files;
- ``golden``: the hand-written golden vectors shipped with the package;
- ``crc_tables``: the per-position CRC tables the kernels and the generator use;
- ``kernel``: the numba verdict kernel (imported on first use: numba takes a while to load).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tcphw.contract import DESCRIPTOR_SIZE

Descriptors = NDArray[np.uint8]  # shape (N, 24)
Verdicts = NDArray[np.uint8]  # shape (N,)

# The kernels read each descriptor as this many little-endian 32-bit words.
WORDS = DESCRIPTOR_SIZE // 4


def as_words(descriptors: Descriptors) -> np.ndarray:
    """The flat uint32 view the CPU and GPU kernels read: WORDS consecutive words per descriptor."""
    return np.ascontiguousarray(descriptors).view(np.uint32).ravel()


__all__ = ["WORDS", "Descriptors", "Verdicts", "as_words"]
