"""The CRC as a matrix: which descriptor bits feed each CRC bit.

CRC-16/IBM-3740 without reflection or output XOR is affine in its input:
``crc(d) = crc(0) ^ L(d)`` with ``L`` linear. Each CRC bit is therefore the parity of a
fixed subset of the 176 covered input bits, XORed with a constant. The gateware builds that
parity as a balanced XOR tree (log depth) instead of unrolling the bit-serial loop (linear
depth). The subsets are derived from the contract's ``crc16`` itself, so there is no second
copy of the CRC parameters to drift.
"""

from __future__ import annotations

from functools import cache

from tcphw.contract import CRC_COVERED_BYTES, CRC_INIT, CRC_WIDTH, crc16


@cache
def crc_constant() -> int:
    """``crc(0...0)`` over the covered bytes: the contribution of the initial value."""
    return crc16(bytes(CRC_COVERED_BYTES), init=CRC_INIT)


@cache
def crc_taps() -> tuple[tuple[int, ...], ...]:
    """For each CRC bit ``j``, the input bit indices ``8*byte + bit`` whose parity it is."""
    taps: list[list[int]] = [[] for _ in range(CRC_WIDTH)]
    for byte in range(CRC_COVERED_BYTES):
        for bit in range(8):
            unit = bytearray(CRC_COVERED_BYTES)
            unit[byte] = 1 << bit
            column = crc16(bytes(unit), init=0)
            for j in range(CRC_WIDTH):
                if column >> j & 1:
                    taps[j].append(8 * byte + bit)
    return tuple(tuple(t) for t in taps)


def crc_by_taps(data: bytes) -> int:
    """The CRC computed from the tap matrix: what the XOR tree computes (used by tests)."""
    bits = int.from_bytes(data[:CRC_COVERED_BYTES], "little")
    out = crc_constant()
    for j, taps in enumerate(crc_taps()):
        parity = 0
        for t in taps:
            parity ^= bits >> t & 1
        out ^= parity << j
    return out
