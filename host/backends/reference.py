"""The spec-literal reference: pure Python, one descriptor at a time, obviously right."""

from __future__ import annotations

import numpy as np

from tcphw.contract import (
    CRC_COVERED_BYTES,
    MAGIC,
    RESERVED_MASK,
    RISK_DECISION,
    VERSION,
    Decision,
    Descriptor,
    Risk,
    VerdictBit,
    crc16,
    make_verdict,
)
from tcphw.host.backends.base import Backend, Descriptors, Verdicts, register_backend


def reference_verdict(raw: bytes) -> int:
    """The verdict byte of one 24-byte descriptor, following the contract text line by line."""
    d = Descriptor.decode(raw)
    errors = 0
    if d.magic != MAGIC:
        errors |= VerdictBit.BAD_MAGIC
    if d.version != VERSION:
        errors |= VerdictBit.BAD_VERSION
    if crc16(raw[:CRC_COVERED_BYTES]) != d.crc:
        errors |= VerdictBit.BAD_CRC
    risk_bits = [r for r in Risk if d.flags & r.flag]
    if len(risk_bits) != 1:
        errors |= VerdictBit.BAD_RISK
    if d.flags & RESERVED_MASK:
        errors |= VerdictBit.RESERVED_SET
    if errors:
        return make_verdict(errors, Decision.REJECT)  # fail closed
    return make_verdict(0, RISK_DECISION[risk_bits[0]])


@register_backend("reference", "pure-Python spec-literal reference (slow, obviously right)")
class ReferenceBackend(Backend):
    """Pure-Python, spec-literal reference implementation."""

    name = "reference"
    slow = True

    def _validate(self, descriptors: Descriptors) -> Verdicts:
        return np.fromiter(
            (reference_verdict(row.tobytes()) for row in descriptors), dtype=np.uint8, count=len(descriptors)
        )
