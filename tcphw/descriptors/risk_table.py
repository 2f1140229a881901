"""The verdict's risk part as one 32-entry table, indexed by flag bits 0-4: every kernel path reads it.

An entry is BAD_RISK unless exactly one of the five bits is set, else the decision of that risk level in the
verdict's decision bits. The table kernel (``kernel``), the carry-less paths (``clmul``) and the avx2 path
(``wide``, which packs it into one 256-bit constant) all take it from here.
"""

from __future__ import annotations

import numpy as np

from tcphw.contract import DECISION_SHIFT, RISK_DECISION, RISK_MASK, Risk, VerdictBit


def risk_table() -> np.ndarray:
    """Verdict contribution of flag bits 0-4 (uint8): BAD_RISK unless exactly one bit is set, else the decision."""
    table = np.empty(RISK_MASK + 1, dtype=np.uint8)
    for bits in range(RISK_MASK + 1):
        if bits != 0 and bits & (bits - 1) == 0:
            table[bits] = int(RISK_DECISION[Risk(bits.bit_length() - 1)]) << DECISION_SHIFT
        else:
            table[bits] = VerdictBit.BAD_RISK
    return table
