"""The carry-less-multiply verdict kernel: the CRC check as four PCLMULQDQ products per descriptor.

Why it works: the CRC is a remainder of polynomials over GF(2). Read the whole 24-byte descriptor
as one 192-bit polynomial D (byte 0's top bit the highest term). Its last two bytes are the stored
CRC S, so D = M*x^16 + S for the 22 covered bytes M, and the contract's CRC is
``(M*x^16 + INIT*x^176) mod P ^ XOR_OUT``. Hence the stored CRC is right exactly when

    D mod P == CRC of 22 zero bytes        (a constant, ``GOOD_RESIDUE``)

and no CRC needs computing, only a remainder. With D = w0*x^128 + w1*x^64 + w2 (three big-endian
64-bit words), V = ``w0*(x^128 mod P) ^ w1*(x^64 mod P) ^ w2`` has the same remainder and at most
79 bits (two products). One Barrett reduction leaves the 16-bit remainder: with
mu = floor(x^80 / P) = x^64 + mu', the quotient is T ^ high64(T * mu') for T = V >> 16, and the
remainder is the low 16 bits of V ^ quotient * P (two products). Polynomial Barrett reduction is
exact: there is no correction step.

The CRC part runs in vector registers (``crc_residue``: one unaligned 16-byte load, a byte
shuffle, four PCLMULQDQ, a byte shift); the field checks read the same words in ordinary
registers, without branches. The risk table and the verdict arithmetic are the table kernel's,
so the paths differ only in how BAD_CRC is found; the equivalence tests run every path this CPU
runs against ``reference``. ``crc_residues2`` does the same for two descriptors at once in the
two 128-bit lanes of 256-bit VPCLMULQDQ (the ``vclmul`` path).

numba has no carry-less multiply, so the residues and the unguarded loads and stores are LLVM IR
emitted through ``numba.extending.intrinsic``. ``supported()`` and ``supported_wide()`` ask LLVM
what this CPU has, and ``tcphw.descriptors.kernel`` falls back to the table path elsewhere.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from tcphw.contract import (
    CRC_COVERED_BYTES,
    CRC_POLY,
    CRC_WIDTH,
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
    crc16,
)


def _features(*names: str) -> bool:
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    from llvmlite import binding

    features = binding.get_host_cpu_features()
    return all(features.get(name, False) for name in names)


def supported() -> bool:
    """Whether this CPU can run the ``clmul`` path: x86-64 with PCLMULQDQ, as LLVM sees it."""
    return _features("pclmul")


def supported_wide() -> bool:
    """Whether this CPU can run the ``vclmul`` path: 256-bit VPCLMULQDQ (and AVX2 for the byte shuffles)."""
    return _features("pclmul", "vpclmulqdq", "avx2")


def _poly_divmod(a: int, p: int) -> tuple[int, int]:
    """Quotient and remainder of polynomials over GF(2), as bit masks (for the constants below)."""
    q, deg_p = 0, p.bit_length() - 1
    while a.bit_length() - 1 >= deg_p:
        shift = a.bit_length() - 1 - deg_p
        q |= 1 << shift
        a ^= p << shift
    return q, a


assert DESCRIPTOR_SIZE == 24 and CRC_WIDTH == 16 and FIELD["crc"].offset == CRC_COVERED_BYTES == 22
_P = (1 << CRC_WIDTH) | CRC_POLY
X128_MOD_P = _poly_divmod(1 << 128, _P)[1]
X64_MOD_P = _poly_divmod(1 << 64, _P)[1]
_MU = _poly_divmod(1 << 80, _P)[0]  # floor(x^80 / P): degree 64
assert _MU >> 64 == 1
BARRETT_MU_LOW = _MU ^ (1 << 64)  # mu': the x^64 term is the "T ^" of the quotient
GOOD_RESIDUE = crc16(bytes(CRC_COVERED_BYTES))

# Fields in the big-endian words: w0 = bytes 0-7, w1 = bytes 8-15.
assert FIELD["magic"].offset == 0 and FIELD["version"].offset == 4 and FIELD["flags"].offset == 10
assert FIELD["magic"].size == 4 and FIELD["version"].size == 2 and FIELD["flags"].size == 4
# Unsigned, as the kernel's words are: numba compares uint64 with int64 through float64.
_MAGIC = np.uint64(int.from_bytes(MAGIC, "big"))  # w0 >> 32
_VERSION = np.uint64(VERSION)  # (w0 >> 16) & 0xFFFF
_GOOD = np.uint64(GOOD_RESIDUE)
_ZERO, _U16, _U32 = np.uint64(0), np.uint64(0xFFFF), np.uint64(0xFFFFFFFF)
_RESERVED, _RISK, _ERRORS = np.uint64(RESERVED_MASK), np.uint64(RISK_MASK), np.uint64(ERROR_MASK)
_REJECT = np.uint64(int(Decision.REJECT) << DECISION_SHIFT)
_BAD_MAGIC, _BAD_VERSION = np.uint64(VerdictBit.BAD_MAGIC), np.uint64(VerdictBit.BAD_VERSION)
_BAD_CRC, _RESERVED_SET = np.uint64(VerdictBit.BAD_CRC), np.uint64(VerdictBit.RESERVED_SET)

# The LLVM IR types and helpers from here to bytes_shuffle are the vector paths' common vocabulary: the avx2
# path (``tcphw.descriptors.wide``) builds its intrinsics from them too.
I8, I32, I64 = ir.IntType(8), ir.IntType(32), ir.IntType(64)
V2, V4 = ir.VectorType(I64, 2), ir.VectorType(I64, 4)


def constant_vector(element: ir.IntType, values: list[int]) -> ir.Constant:
    """An LLVM vector constant of ``values``, each of type ``element``."""
    return ir.Constant(ir.VectorType(element, len(values)), [ir.Constant(element, v) for v in values])


def array_data(context: Any, builder: ir.IRBuilder, array_type: Any, array: ir.Value) -> ir.Value:
    """The pointer to an array argument's first element."""
    return context.make_array(array_type)(context, builder, array).data


def _words_and_index(q: Any, n: Any) -> bool:
    """The residue intrinsics' arguments: the flat uint64 array and a 64-bit descriptor index."""
    words_ok = isinstance(q, types.Array) and q.dtype == types.uint64
    return words_ok and isinstance(n, types.Integer) and getattr(n, "bitwidth", 0) == 64


def carryless_multiply(builder: ir.IRBuilder, words: ir.VectorType) -> Callable[[ir.Value, ir.Value, int], ir.Value]:
    """PCLMULQDQ on 2 words, or VPCLMULQDQ (one product per 128-bit lane) on 4: ``clmul(a, b, halves)``, where
    imm8 bit 0 picks a's word and bit 4 b's word of each lane."""
    name = "llvm.x86.pclmulqdq" if words.count == 2 else "llvm.x86.pclmulqdq.256"
    fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(words, [words, words, I8]), name)  # type: ignore[no-untyped-call]
    return lambda a, b, halves: builder.call(fn, [a, b, ir.Constant(I8, halves)])


def bytes_shuffle(builder: ir.IRBuilder, v: ir.Value, mask: list[int]) -> ir.Value:
    """The bytes of word vector ``v`` picked by ``mask``; indices past its last byte pick zero bytes (not undef)."""
    words = v.type
    as_bytes = ir.VectorType(I8, 8 * words.count)
    zeros = ir.Constant(as_bytes, [0] * as_bytes.count)
    return builder.bitcast(
        builder.shuffle_vector(builder.bitcast(v, as_bytes), zeros, constant_vector(I32, mask)), words
    )


def _crc_residue(typingctx, q, n):  # type: ignore[no-untyped-def]
    """D mod P of descriptor ``n`` of the uint64 array ``q`` (3 words each), in vector registers."""
    if not _words_and_index(q, n):
        return None  # numba then reports the mistyped call
    sig = types.uint64(q, n)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        clmul = carryless_multiply(builder, V2)
        zero = ir.Constant(V2, [0, 0])
        base = array_data(context, builder, signature.args[0], args[0])
        first = builder.mul(args[1], ir.Constant(I64, 3))
        w01 = builder.load(builder.bitcast(builder.gep(base, [first]), V2.as_pointer()), align=1)
        w2 = builder.load(builder.gep(base, [builder.add(first, ir.Constant(I64, 2))]), align=1)
        w01 = bytes_shuffle(builder, w01, [7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8])  # big-endian words
        k = constant_vector(I64, [X128_MOD_P, X64_MOD_P])
        v = builder.xor(clmul(w01, k, 0x00), clmul(w01, k, 0x11))  # w0*k128 ^ w1*k64
        v = builder.xor(v, builder.insert_element(zero, builder.bswap(w2), ir.Constant(I32, 0)))
        t = bytes_shuffle(builder, v, [*range(2, 16), 16, 16])  # V >> 16: at most 63 bits, in the low word
        product = clmul(t, constant_vector(I64, [BARRETT_MU_LOW, 0]), 0x00)
        high = builder.shuffle_vector(product, zero, constant_vector(I32, [1, 2]))
        quotient = builder.xor(t, high)
        r = builder.xor(v, clmul(quotient, constant_vector(I64, [CRC_POLY, 0]), 0x00))
        return builder.and_(builder.extract_element(r, ir.Constant(I32, 0)), ir.Constant(I64, 0xFFFF))

    return sig, codegen


def _crc_residues2(typingctx, q, n):  # type: ignore[no-untyped-def]
    """D mod P of descriptors ``n`` and ``n + 1`` at once, each in one 128-bit lane of 256-bit VPCLMULQDQ: the
    same steps as ``crc_residue``, one product instruction for two descriptors. The residues come back as
    ``r0 | r1 << 32``."""
    if not _words_and_index(q, n):
        return None
    sig = types.uint64(q, n)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        clmul = carryless_multiply(builder, V4)
        zero = ir.Constant(V4, [0, 0, 0, 0])
        base = array_data(context, builder, signature.args[0], args[0])
        first = builder.gep(base, [builder.mul(args[1], ir.Constant(I64, 3))])
        a = builder.load(builder.bitcast(first, V2.as_pointer()), align=1)  # w0 w1 of descriptor n
        b = builder.load(builder.bitcast(builder.gep(first, [ir.Constant(I64, 3)]), V2.as_pointer()), align=1)
        ab = builder.shuffle_vector(a, b, constant_vector(I32, [0, 1, 2, 3]))
        ab = bytes_shuffle(builder, ab, [8 * word + 7 - i for word in range(4) for i in range(8)])  # big-endian words
        k = constant_vector(I64, [X128_MOD_P, X64_MOD_P, X128_MOD_P, X64_MOD_P])
        v = builder.xor(clmul(ab, k, 0x00), clmul(ab, k, 0x11))  # w0*k128 ^ w1*k64, per descriptor
        for lane, offset in ((0, 2), (2, 5)):  # w2 of each descriptor, big-endian, into its lane's low word
            w2 = builder.bswap(builder.load(builder.gep(first, [ir.Constant(I64, offset)]), align=1))
            v = builder.xor(v, builder.insert_element(zero, w2, ir.Constant(I32, lane)))
        t = bytes_shuffle(builder, v, [i for lane in (0, 16) for i in (*range(lane + 2, lane + 16), 32, 32)])  # V >> 16
        product = clmul(t, constant_vector(I64, [BARRETT_MU_LOW, 0, BARRETT_MU_LOW, 0]), 0x00)
        high = builder.shuffle_vector(product, zero, constant_vector(I32, [1, 4, 3, 4]))
        quotient = builder.xor(t, high)
        r = builder.xor(v, clmul(quotient, constant_vector(I64, [CRC_POLY, 0, CRC_POLY, 0]), 0x00))
        mask = ir.Constant(I64, 0xFFFF)
        r0 = builder.and_(builder.extract_element(r, ir.Constant(I32, 0)), mask)
        r1 = builder.and_(builder.extract_element(r, ir.Constant(I32, 2)), mask)
        return builder.or_(r0, builder.shl(r1, ir.Constant(I64, 32)))

    return sig, codegen


def _word_be(typingctx, q, i):  # type: ignore[no-untyped-def]
    """q[i] byte-swapped to a big-endian word. Like the loads in ``crc_residue`` it skips numba's
    negative-index wraparound, which cost a compare, a mask and a conditional move per access."""
    if not (isinstance(q, types.Array) and q.dtype == types.uint64 and isinstance(i, types.Integer)):
        return None
    sig = types.uint64(q, i)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        base = array_data(context, builder, signature.args[0], args[0])
        return builder.bswap(builder.load(builder.gep(base, [args[1]]), align=1))

    return sig, codegen


def _table_at(typingctx, table, i):  # type: ignore[no-untyped-def]
    """table[i] of an int64 table (the risk table), as a uint64, without wraparound."""
    if not (isinstance(table, types.Array) and table.dtype in (types.int64, types.uint64)):
        return None
    sig = types.uint64(table, i)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        base = array_data(context, builder, signature.args[0], args[0])
        return builder.load(builder.gep(base, [args[1]]))

    return sig, codegen


def _put_byte(typingctx, out, i, v):  # type: ignore[no-untyped-def]
    """out[i] = low byte of v, without wraparound."""
    if not (isinstance(out, types.Array) and out.dtype == types.uint8):
        return None
    sig = types.void(out, i, v)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        base = array_data(context, builder, signature.args[0], args[0])
        builder.store(builder.trunc(args[2], ir.IntType(8)), builder.gep(base, [args[1]]))
        return context.get_dummy_value()

    return sig, codegen


crc_residue: Any = intrinsic(_crc_residue)
crc_residues2: Any = intrinsic(_crc_residues2)
word_be: Any = intrinsic(_word_be)
table_at: Any = intrinsic(_table_at)
put_byte: Any = intrinsic(_put_byte)


@numba.njit(inline="always")
def _one(q, out, risk_table, n):  # type: ignore[no-untyped-def]
    """The verdict of descriptor ``n`` into ``out[n]``."""
    _fields(q, out, risk_table, n, crc_residue(q, n))


@numba.njit(inline="always")
def _fields(q, out, risk_table, n, residue):  # type: ignore[no-untyped-def]
    """The verdict of descriptor ``n`` into ``out[n]``, given its CRC residue."""
    w0 = word_be(q, 3 * n)
    w1 = word_be(q, 3 * n + 1)
    flags = (w1 >> np.uint64(16)) & _U32
    # Branch-free: the error bits of a mixed corpus are unpredictable (with branches: 107 M/s, without: 153).
    err = (
        (np.uint64((w0 >> np.uint64(32)) != _MAGIC) * _BAD_MAGIC)
        | (np.uint64(((w0 >> np.uint64(16)) & _U16) != _VERSION) * _BAD_VERSION)
        | (np.uint64(residue != _GOOD) * _BAD_CRC)
        | (np.uint64((flags & _RESERVED) != _ZERO) * _RESERVED_SET)
    )
    v = table_at(risk_table, flags & _RISK) | err
    errors = v & _ERRORS
    rejected = _ZERO - np.uint64(errors != _ZERO)  # all ones where any error bit is set
    put_byte(out, n, (v & ~rejected) | ((errors | _REJECT) & rejected))


@numba.njit(nogil=True, cache=True, boundscheck=False)
def validate_slice(q, out, risk_table, start, stop):  # type: ignore[no-untyped-def]
    """Verdicts for descriptors [start, stop) of the flat uint64 array ``q`` (three words each); start >= 0."""
    n = start
    # Four a turn: the loop's own bookkeeping is shared, and the out-of-order core overlaps four
    # independent descriptors (docs/kernel.md: about +20% over one a turn).
    while n + 4 <= stop:
        _one(q, out, risk_table, n)
        _one(q, out, risk_table, n + 1)
        _one(q, out, risk_table, n + 2)
        _one(q, out, risk_table, n + 3)
        n += 4
    while n < stop:
        _one(q, out, risk_table, n)
        n += 1


@numba.njit(nogil=True, cache=True, boundscheck=False)
def validate_slice_wide(q, out, risk_table, start, stop):  # type: ignore[no-untyped-def]
    """``validate_slice`` with the CRCs of two descriptors per 256-bit product (the ``vclmul`` path)."""
    n = start
    while n + 4 <= stop:
        r = crc_residues2(q, n)
        _fields(q, out, risk_table, n, r & _U16)
        _fields(q, out, risk_table, n + 1, (r >> np.uint64(32)) & _U16)
        r = crc_residues2(q, n + 2)
        _fields(q, out, risk_table, n + 2, r & _U16)
        _fields(q, out, risk_table, n + 3, (r >> np.uint64(32)) & _U16)
        n += 4
    while n < stop:
        _one(q, out, risk_table, n)
        n += 1


def as_quads(descriptors: np.ndarray) -> np.ndarray:
    """The flat uint64 view this path reads: three consecutive words per descriptor."""
    return np.ascontiguousarray(descriptors).view(np.uint64).ravel()
