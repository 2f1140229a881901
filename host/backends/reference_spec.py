"""The reference verdict, written line by line from the contract text; it imports nothing but the contract.

The ``reference`` backend validates arrays with it, and the gate's hook validates a command line's few
descriptors with it directly, without numpy: the same function, so both agree with every backend the
equivalence tests compare with the reference.
"""

from __future__ import annotations

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
