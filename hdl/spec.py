"""The verdict function written the obvious way, as the formal specification of the validator.

Deliberately shares no code or structure with ``validator.py``: the CRC is the bit-serial loop
of the CRC definition (as in ``contract.crc16``), fields are compared with plain ``==``, the
risk check counts bits, and the decision is a lookup in the contract's table. Only the
contract's constants are shared: they are the specification.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Mux, Value

from tcphw.contract import (
    CRC_COVERED_BYTES,
    CRC_INIT,
    CRC_POLY,
    CRC_WIDTH,
    CRC_XOR_OUT,
    DECISION_SHIFT,
    DESCRIPTOR_SIZE,
    FIELD,
    MAGIC,
    RESERVED_MASK,
    RISK_DECISION,
    RISK_MASK,
    VERSION,
    Decision,
    Risk,
    VerdictBit,
)


def _byte(desc: Value, i: int) -> Value:
    return desc[8 * i : 8 * i + 8]


def _big_endian(desc: Value, name: str) -> Value:
    f = FIELD[name]
    return Cat(*reversed([_byte(desc, f.offset + k) for k in range(f.size)]))


def symbolic_crc() -> list[tuple[int, frozenset[int]]]:
    """Run the textbook CRC loop on symbols instead of bits.

    Each CRC bit is tracked as ``(constant, {input bit indices})``: the XOR of a constant and
    some input bits (input bit ``8*i + k`` is bit ``k`` of byte ``i``). XOR is symmetric
    difference; the loop's conditional ``crc ^= POLY when the top bit is 1`` is
    ``crc ^= top & POLY``, which stays in this form. No table or matrix is involved: this is
    the definition, evaluated once at elaboration time.
    """
    crc: list[tuple[int, frozenset[int]]] = [(CRC_INIT >> j & 1, frozenset()) for j in range(CRC_WIDTH)]
    for i in range(CRC_COVERED_BYTES):
        for k in range(8):  # crc ^= byte << 8
            c, s = crc[8 + k]
            crc[8 + k] = (c, s ^ {8 * i + k})
        for _ in range(8):
            top = crc[CRC_WIDTH - 1]
            shifted = [(0, frozenset()), *crc[: CRC_WIDTH - 1]]
            crc = [(c ^ top[0], s ^ top[1]) if CRC_POLY >> j & 1 else (c, s) for j, (c, s) in enumerate(shifted)]
    return [(c ^ (CRC_XOR_OUT >> j & 1), s) for j, (c, s) in enumerate(crc)]


def spec_crc(desc: Value) -> Value:
    """CRC-16 of bytes 0..21: each bit is its symbolic form, one XOR reduction of its input bits.

    A reduction rather than a chain of ``^``: Amaranth computes the shape of a chain recursively
    at every level, which made elaborating the formal harness quadratic in the chain (~10 s a lane).
    """
    return Cat(*(Const(c, 1) ^ Cat(*(desc[t] for t in sorted(taps))).xor() for c, taps in symbolic_crc()))


def spec_verdict(desc: Value) -> Value:
    """The contract's verdict byte of one descriptor (bits 0..191, byte i at bits 8i..8i+7)."""
    assert len(desc) == 8 * DESCRIPTOR_SIZE
    flags = _big_endian(desc, "flags")
    risk = flags & RISK_MASK
    ones = sum((risk >> k) & 1 for k in range(RISK_MASK.bit_length()))
    errors = {
        VerdictBit.BAD_MAGIC: _big_endian(desc, "magic") != int.from_bytes(MAGIC, "big"),
        VerdictBit.BAD_VERSION: _big_endian(desc, "version") != VERSION,
        VerdictBit.BAD_CRC: spec_crc(desc) != _big_endian(desc, "crc"),
        VerdictBit.BAD_RISK: ones != 1,
        VerdictBit.RESERVED_SET: (flags & RESERVED_MASK) != 0,
    }
    error_byte: Value = Const(0, 8)
    for bit, cond in errors.items():
        error_byte = error_byte | Mux(cond, int(bit), 0)
    decision: Value = Const(int(Decision.REJECT), 2)
    for r in Risk:
        decision = Mux(risk == (1 << r), int(RISK_DECISION[r]), decision)
    decision = Mux(error_byte != 0, int(Decision.REJECT), decision)
    return (error_byte | (decision << DECISION_SHIFT))[:8]
