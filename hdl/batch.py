"""The batch engine: the on-chip descriptor buffer, the validator lanes and the verdict slots.

The receiver writes whole descriptors into ``lanes`` memory banks (descriptor ``k`` into bank
``k % lanes``, row ``k // lanes``), so one read of every bank gives the validator a full
``lanes``-wide transfer each cycle: a batch of ``n`` descriptors takes ``ceil(n / lanes)``
cycles plus the pipeline latency, however slow the link is. Verdicts go into one of ``slots``
areas of the verdict memory, where the transmitter reads them while the next batch arrives.

Descriptors and starts come in on streams without backpressure (``always_ready``): the engine writes a
descriptor into its bank in the cycle it arrives, and a batch cannot start while the last one is still
being read, because ``LinkConfig`` refuses a buffer that the validator would not have read before the next
frame's first descriptor lands. ``done`` carries each finished batch's descriptor count (the STATS counter).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import data, memory, stream, wiring
from amaranth.lib.wiring import In, Out

from .layouts import DESCRIPTOR_BITS, indexed_descriptor_layout
from .validator import Validator


def batch_start_layout(capacity: int, slots: int) -> data.StructLayout:
    """A batch to validate: how many descriptors are in the buffer, and the verdict slot they go to."""
    return data.StructLayout({"count": range(capacity + 1), "slot": range(slots)})


def verdict_read_signature(*, lanes: int, rows: int, slots: int) -> wiring.Signature:
    """The reader's side of the verdict memory: a row address, its verdicts (``lanes`` bytes, the next cycle),
    and ``busy`` while the engine is still writing a batch's verdicts."""
    return wiring.Signature({"addr": Out(range(slots * rows)), "data": In(8 * lanes), "busy": In(1)})


class BatchEngine(wiring.Component):
    def __init__(self, *, lanes: int, pipeline: int, capacity: int, slots: int) -> None:
        if capacity % lanes:
            raise ValueError(f"batch capacity {capacity} must be a multiple of the lane count {lanes}")
        self.lanes, self.pipeline, self.capacity, self.slots = lanes, pipeline, capacity, slots
        self.rows = capacity // lanes
        super().__init__(
            {
                "desc": In(stream.Signature(indexed_descriptor_layout(capacity), always_ready=True)),
                "start": In(stream.Signature(batch_start_layout(capacity, slots), always_ready=True)),
                "done": Out(stream.Signature(range(capacity + 1), always_ready=True)),
                "verdicts": In(verdict_read_signature(lanes=lanes, rows=self.rows, slots=slots)),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        lanes, rows = self.lanes, self.rows
        lane_bits = (lanes - 1).bit_length()
        desc, start, busy = self.desc.payload, self.start.payload, self.verdicts.busy
        m.submodules.validator = validator = Validator(lanes=lanes, pipeline=self.pipeline)
        m.submodules.verdicts = verdicts = memory.Memory(shape=8 * lanes, depth=self.slots * rows, init=[])

        read_row = Signal(range(rows + 1))
        rows_needed = Signal(range(rows + 1))
        issued = Signal()
        write_row = Signal(range(self.slots * rows))
        rows_left = Signal(range(rows + 1))

        bank_data = []
        for lane in range(lanes):
            bank = memory.Memory(shape=DESCRIPTOR_BITS, depth=rows, init=[])
            m.submodules[f"bank{lane}"] = bank
            wp, rp = bank.write_port(), bank.read_port()
            m.d.comb += [
                wp.addr.eq(desc.index >> lane_bits),
                wp.data.eq(desc.data),
                wp.en.eq(self.desc.valid & ((desc.index & (lanes - 1)) == lane)),
                rp.addr.eq(read_row),
            ]
            bank_data.append(rp.data)

        # Block RAM outputs are slow (5.8 ns clock-to-out on ECP5): register them before any logic.
        # The verdict side always takes a transfer, so the validator never stalls.
        read_data = Signal(DESCRIPTOR_BITS * lanes)
        read_valid = Signal()
        m.d.sync += [read_data.eq(Cat(*bank_data)), read_valid.eq(issued)]
        m.d.comb += [
            validator.i.payload.eq(read_data),
            validator.i.valid.eq(read_valid),
            validator.o.ready.eq(1),
        ]
        vw, vr = verdicts.write_port(), verdicts.read_port()
        m.d.comb += [
            vw.addr.eq(write_row),
            vw.data.eq(validator.o.payload),
            vw.en.eq(validator.o.valid),
            vr.addr.eq(self.verdicts.addr),
            self.verdicts.data.eq(vr.data),
        ]

        m.d.sync += [self.done.valid.eq(0), issued.eq(0)]
        with m.If(self.start.valid):
            m.d.sync += [
                busy.eq(1),
                read_row.eq(0),
                rows_needed.eq((start.count + lanes - 1) >> lane_bits),
                rows_left.eq((start.count + lanes - 1) >> lane_bits),
                write_row.eq(start.slot * rows),
                self.done.payload.eq(start.count),
            ]
        with m.Elif(busy):
            with m.If(read_row != rows_needed):
                m.d.sync += [read_row.eq(read_row + 1), issued.eq(1)]
            with m.If(validator.o.valid):
                m.d.sync += [write_row.eq(write_row + 1), rows_left.eq(rows_left - 1)]
                with m.If(rows_left == 1):
                    m.d.sync += [busy.eq(0), self.done.valid.eq(1)]
        return m
