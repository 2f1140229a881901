"""Wide event counters whose carry chains stay short.

A 64-bit ripple counter is a 64-bit carry chain: ~27 MHz on an iCE40 UP5K, the slowest path
of the whole board top. Here the counter is 16-bit segments; a segment's carry-out is
registered and added into the next segment one cycle later, so the longest chain is 16 bits
whatever the width. While a carry is in flight (at most width/16 - 1 cycles after a segment
wraps) the value reads low by that carry, so ``settled`` says when ``value`` is whole (never
torn by a carry); STATS waits for it before taking a counter. ``value`` follows ``inc`` one
cycle late.

``StatsCounters`` is the board's set of them, one per STATS field of the contract, read by the
sender through ``stats_signature``.
"""

from __future__ import annotations

from collections.abc import Mapping

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from tcphw.contract import COUNTER_BITS, STATS_FIELDS

SEGMENT_BITS = 16


class WideCounter(wiring.Component):
    def __init__(self, width: int = 64, delta_bits: int = 1, segment_bits: int = SEGMENT_BITS) -> None:
        if width % segment_bits or not 1 <= delta_bits <= segment_bits:
            raise ValueError(f"width must be a multiple of {segment_bits} and delta_bits 1..{segment_bits}")
        self.width, self.segment_bits = width, segment_bits
        super().__init__({"inc": In(delta_bits), "value": Out(width), "settled": Out(1)})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        seg = self.segment_bits
        segments = self.width // seg
        carry = Signal(segments)  # carry[k]: a carry waiting to enter segment k (k >= 1)
        # ``inc`` is registered first: it often comes from a long decision path (the link's
        # dispatcher, the UART), which must not run straight into the carry chain.
        inc = Signal.like(self.inc)
        m.d.sync += inc.eq(self.inc)
        # Nothing to add and no carry in flight: the segments hold. Most counters count rare events, so
        # this keeps them still (no toggling, and nothing for a simulator to evaluate) on most cycles.
        with m.If(inc.any() | carry.any()):
            for k in range(segments):
                segment = self.value[k * seg : (k + 1) * seg]
                total = Signal(seg + 1, name=f"total{k}")
                m.d.comb += total.eq(segment + (inc if k == 0 else carry[k]))
                m.d.sync += segment.eq(total[:seg])
                if k + 1 < segments:
                    m.d.sync += carry[k + 1].eq(total[seg])
        m.d.comb += self.settled.eq(carry == 0)
        return m


def stats_signature() -> wiring.Signature:
    """Every STATS counter by field name, and ``settled``: no carry in flight, every count whole."""
    counts = data.StructLayout({f.name: COUNTER_BITS for f in STATS_FIELDS})
    return wiring.Signature({"counts": Out(counts), "settled": Out(1)})


class StatsCounters(wiring.Component):
    """One ``WideCounter`` per STATS field; ``inc``: what each adds this cycle (one bit, or ``delta_bits``)."""

    def __init__(self, delta_bits: Mapping[str, int] | None = None) -> None:
        names = [f.name for f in STATS_FIELDS]
        self.delta_bits = {name: 1 for name in names} | dict(delta_bits or {})
        if set(self.delta_bits) != set(names):
            raise ValueError(f"no STATS field named {sorted(set(self.delta_bits) - set(names))}")
        super().__init__({"inc": In(data.StructLayout(self.delta_bits)), "o": Out(stats_signature())})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        settled = []
        for name, bits in self.delta_bits.items():
            m.submodules[f"count_{name}"] = counter = WideCounter(COUNTER_BITS, delta_bits=bits)
            m.d.comb += [counter.inc.eq(self.inc[name]), self.o.counts[name].eq(counter.value)]
            settled.append(counter.settled)
        m.d.comb += self.o.settled.eq(Cat(settled).all())
        return m
