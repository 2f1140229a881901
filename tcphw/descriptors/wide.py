"""Four descriptors per vector: the ``avx2`` verdict path, and the streaming bound's loop.

``verdicts4`` computes the whole verdict of four consecutive descriptors in 256-bit registers and
stores the four verdict bytes with one 32-bit store. Nothing is scalar:

- the CRC is ``clmul``'s remainder (``tcphw.descriptors.clmul`` has the algebra), two descriptors
  per 256-bit VPCLMULQDQ, one in each 128-bit lane. Each descriptor's first two words are loaded
  as one 16-byte piece, so descriptors a, c share one register and b, d another, with no shuffle;
- the field checks read the same registers unpacked into "word 0 of a, b, c, d" and "word 1 of
  a, b, c, d": one vector compare per check for all four;
- the risk table (32 one-byte entries) lives in one 256-bit constant; VPERMD picks the 4-byte
  group and a variable shift the byte, so there is no memory lookup;
- the REJECT override is a vector select.

It needs AVX2 and VPCLMULQDQ (the ``vclmul`` path's features), and gives what ``reference`` gives:
the equivalence tests and hypothesis properties run every path this CPU runs.

``stream_slice`` is the memory bound that ``tcphw bench`` reports: it reads the same 24 bytes a
descriptor with the same vector loads and writes one byte each, and does nothing else. It is
plain LLVM vector IR (no x86 intrinsics), so it runs everywhere. A scalar loop of that kind
(the bound before 2026-11-27) ran 1.25-1.4x slower than this one here, so it understated what
memory allows and flattered every kernel's share of it.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from tcphw.contract import CRC_POLY, DECISION_SHIFT, ERROR_MASK, RESERVED_MASK, RISK_MASK, Decision, VerdictBit

from . import clmul
from .clmul import I8, I32, I64, V2, V4, array_data, bytes_shuffle, carryless_multiply, constant_vector
from .risk_table import risk_table

_V8D = ir.VectorType(I32, 8)
_V12 = ir.VectorType(I64, 12)


def _risk_dwords() -> list[int]:
    """The kernels' 32-entry risk table as eight little-endian 32-bit groups of four entries."""
    table = risk_table()
    assert RISK_MASK == 31 and len(table) == 32
    return [int.from_bytes(table[4 * j : 4 * j + 4].tobytes(), "little") for j in range(8)]


assert RESERVED_MASK >> 32 == 0  # flags are w1 >> 16 without the top 16 bits: the masks must not reach them


def _splat(value: int) -> ir.Constant:
    return ir.Constant(V4, [ir.Constant(I64, value)] * 4)


def _first_word(context: Any, builder: ir.IRBuilder, signature: Any, args: Any) -> ir.Value:
    """A pointer to word 0 of descriptor ``n`` (arguments q, out, n)."""
    return builder.gep(
        array_data(context, builder, signature.args[0], args[0]), [builder.mul(args[2], ir.Constant(I64, 3))]
    )


def _store4(context: Any, builder: ir.IRBuilder, signature: Any, args: Any, words: ir.Value) -> None:
    """out[n:n+4] = the low bytes of the four words, as one 32-bit store."""
    target = builder.gep(array_data(context, builder, signature.args[1], args[1]), [args[2]])
    packed = builder.bitcast(builder.trunc(words, ir.VectorType(I8, 4)), I32)
    builder.store(packed, builder.bitcast(target, I32.as_pointer()), align=1)


def _call(builder: ir.IRBuilder, name: str, result: ir.Type, *operands: ir.Value) -> ir.Value:
    """A call of the LLVM intrinsic ``name``."""
    kind = ir.FunctionType(result, [op.type for op in operands])
    return builder.call(cgutils.get_or_insert_function(builder.module, kind, name), list(operands))  # type: ignore[no-untyped-call]


def _arguments_ok(q: Any, out: Any, n: Any) -> bool:
    quads = isinstance(q, types.Array) and q.dtype == types.uint64
    verdicts = isinstance(out, types.Array) and out.dtype == types.uint8
    return quads and verdicts and isinstance(n, types.Integer) and getattr(n, "bitwidth", 0) == 64


def _verdicts4(typingctx, q, out, n):  # type: ignore[no-untyped-def]
    """Verdicts of descriptors n .. n+3 of the uint64 array ``q`` (3 words each) into ``out[n:n+4]``."""
    if not _arguments_ok(q, out, n):
        return None  # numba then reports the mistyped call
    sig = types.void(q, out, n)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        def shuffle(a: ir.Value, b: ir.Value, picks: list[int]) -> ir.Value:
            return builder.shuffle_vector(a, b, constant_vector(I32, picks))

        clmul_ = carryless_multiply(builder, V4)
        zero = _splat(0)
        first = _first_word(context, builder, signature, args)

        def pair(lo: int, hi: int) -> ir.Value:
            """Words lo, lo+1 in the low 128-bit lane and hi, hi+1 in the high one, big-endian."""
            piece = [
                builder.load(builder.bitcast(builder.gep(first, [ir.Constant(I64, w)]), V2.as_pointer()), align=1)
                for w in (lo, hi)
            ]
            return _call(builder, "llvm.bswap.v4i64", V4, shuffle(piece[0], piece[1], [0, 1, 2, 3]))

        # Descriptor k's words are 3k, 3k+1, 3k+2: a=0, b=3, c=6, d=9.
        ac, bd = pair(0, 6), pair(3, 9)  # [a0 a1 | c0 c1], [b0 b1 | d0 d1]
        ac2, bd2 = pair(1, 7), pair(4, 10)  # word 2 of each in the high half of its lane
        k = constant_vector(I64, [clmul.X128_MOD_P, clmul.X64_MOD_P] * 2)
        mu_poly = constant_vector(I64, [clmul.BARRETT_MU_LOW, CRC_POLY] * 2)
        residues = []
        for words, third in ((ac, ac2), (bd, bd2)):
            v = builder.xor(clmul_(words, k, 0x00), clmul_(words, k, 0x11))  # w0*k128 ^ w1*k64 per lane
            v = builder.xor(v, shuffle(third, zero, [1, 4, 3, 4]))  # ^ w2
            t = bytes_shuffle(builder, v, [i for lane in (0, 16) for i in (*range(lane + 2, lane + 16), 32, 32)])
            high = shuffle(clmul_(t, mu_poly, 0x00), zero, [1, 4, 3, 4])  # Barrett: quotient = T ^ high64(T*mu')
            residues.append(builder.xor(v, clmul_(builder.xor(t, high), mu_poly, 0x10)))  # V ^ quotient*P
        residue = builder.and_(shuffle(residues[0], residues[1], [0, 4, 2, 6]), _splat(0xFFFF))  # a b | c d
        w0 = shuffle(ac, bd, [0, 4, 2, 6])  # word 0 of a b | c d
        flags = builder.lshr(shuffle(ac, bd, [1, 5, 3, 7]), _splat(16))  # word 1 >> 16; the masks drop the rest

        def error_if(differs: ir.Value, expected: int, bit: int) -> ir.Value:
            return builder.select(builder.icmp_unsigned("!=", differs, _splat(expected)), _splat(bit), zero)

        version = builder.and_(builder.lshr(w0, _splat(16)), _splat(0xFFFF))
        err = builder.or_(
            builder.or_(
                error_if(builder.lshr(w0, _splat(32)), int(clmul._MAGIC), VerdictBit.BAD_MAGIC),
                error_if(version, int(clmul._VERSION), VerdictBit.BAD_VERSION),
            ),
            builder.or_(
                error_if(residue, int(clmul._GOOD), VerdictBit.BAD_CRC),
                error_if(builder.and_(flags, _splat(RESERVED_MASK)), 0, VerdictBit.RESERVED_SET),
            ),
        )
        # Risk table entry `index`: byte (index & 3) of 32-bit group (index >> 2), picked by VPERMD in each
        # word's low half (the high half of the index word is 0, so it picks group 0, masked off below).
        index = builder.and_(flags, _splat(RISK_MASK))
        table = ir.Constant(_V8D, [ir.Constant(I32, g) for g in _RISK_DWORDS])
        group = builder.bitcast(builder.lshr(index, _splat(2)), _V8D)
        groups = _call(builder, "llvm.x86.avx2.permd", _V8D, table, group)
        byte_shift = builder.shl(builder.and_(index, _splat(3)), _splat(3))
        v = builder.or_(builder.and_(builder.lshr(builder.bitcast(groups, V4), byte_shift), _splat(0xFF)), err)
        errors = builder.and_(v, _splat(ERROR_MASK))
        rejected = builder.icmp_unsigned("!=", errors, zero)
        verdict = builder.select(rejected, builder.or_(errors, _splat(int(Decision.REJECT) << DECISION_SHIFT)), v)
        _store4(context, builder, signature, args, verdict)
        return context.get_dummy_value()

    return sig, codegen


def _stream4(typingctx, q, out, n):  # type: ignore[no-untyped-def]
    """out[n:n+4] = low byte of w0 ^ w1 ^ w2 of descriptors n .. n+3: reads all 96 bytes, decides nothing."""
    if not _arguments_ok(q, out, n):
        return None
    sig = types.void(q, out, n)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        first = _first_word(context, builder, signature, args)
        words = builder.load(builder.bitcast(first, _V12.as_pointer()), align=1)
        undef = ir.Constant(_V12, None)
        w = [builder.shuffle_vector(words, undef, constant_vector(I32, [k, k + 3, k + 6, k + 9])) for k in range(3)]
        _store4(context, builder, signature, args, builder.xor(builder.xor(w[0], w[1]), w[2]))
        return context.get_dummy_value()

    return sig, codegen


_RISK_DWORDS = _risk_dwords()
verdicts4: Any = intrinsic(_verdicts4)
stream4: Any = intrinsic(_stream4)


@numba.njit(nogil=True, cache=True, boundscheck=False)
def validate_slice(q, out, risk_table, start, stop):  # type: ignore[no-untyped-def]
    """Verdicts for descriptors [start, stop) of the flat uint64 array ``q``, four per call, eight a turn."""
    n = start
    while n + 8 <= stop:
        verdicts4(q, out, n)
        verdicts4(q, out, n + 4)
        n += 8
    while n < stop:  # the last 0-7 one at a time: a vector load would read past the array
        clmul._one(q, out, risk_table, n)
        n += 1


@numba.njit(nogil=True, cache=True, boundscheck=False)
def stream_slice(q, out, start, stop):  # type: ignore[no-untyped-def]
    """The streaming bound's loop over [start, stop): eight descriptors a turn, the tail one by one."""
    n = start
    while n + 8 <= stop:
        stream4(q, out, n)
        stream4(q, out, n + 4)
        n += 8
    while n < stop:
        out[n] = np.uint8((q[3 * n] ^ q[3 * n + 1] ^ q[3 * n + 2]) & np.uint64(0xFF))
        n += 1
