"""The batch engine: the on-chip descriptor buffer, the validator lanes and the verdict slots.

The receiver writes whole descriptors into ``lanes`` memory banks (descriptor ``k`` into bank
``k % lanes``, row ``k // lanes``), so one read of every bank gives the validator a full
``lanes``-wide transfer each cycle: a batch of ``n`` descriptors takes ``ceil(n / lanes)``
cycles plus the pipeline latency, however slow the link is. Verdicts go into one of ``slots``
areas of the verdict memory, where the transmitter reads them while the next batch arrives.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

from .layouts import DESCRIPTOR_BITS
from .validator import Validator


class BatchEngine(wiring.Component):
    def __init__(self, *, lanes: int, pipeline: int, capacity: int, slots: int) -> None:
        if capacity % lanes:
            raise ValueError(f"batch capacity {capacity} must be a multiple of the lane count {lanes}")
        self.lanes, self.pipeline, self.capacity, self.slots = lanes, pipeline, capacity, slots
        self.rows = capacity // lanes
        super().__init__(
            {
                "desc": In(DESCRIPTOR_BITS),
                "desc_index": In(range(capacity)),
                "desc_we": In(1),
                "start": In(1),
                "start_count": In(range(capacity + 1)),
                "start_slot": In(range(slots)),
                "busy": Out(1),
                "done": Out(1),
                "verdict_addr": In(range(slots * self.rows)),
                "verdict_data": Out(8 * lanes),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        lanes, rows = self.lanes, self.rows
        lane_bits = (lanes - 1).bit_length()
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
                wp.addr.eq(self.desc_index >> lane_bits),
                wp.data.eq(self.desc),
                wp.en.eq(self.desc_we & ((self.desc_index & (lanes - 1)) == lane)),
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
            vr.addr.eq(self.verdict_addr),
            self.verdict_data.eq(vr.data),
        ]

        m.d.sync += [self.done.eq(0), issued.eq(0)]
        with m.If(self.start):
            m.d.sync += [
                self.busy.eq(1),
                read_row.eq(0),
                rows_needed.eq((self.start_count + lanes - 1) >> lane_bits),
                rows_left.eq((self.start_count + lanes - 1) >> lane_bits),
                write_row.eq(self.start_slot * rows),
            ]
        with m.Elif(self.busy):
            with m.If(read_row != rows_needed):
                m.d.sync += [read_row.eq(read_row + 1), issued.eq(1)]
            with m.If(validator.o.valid):
                m.d.sync += [write_row.eq(write_row + 1), rows_left.eq(rows_left - 1)]
                with m.If(rows_left == 1):
                    m.d.sync += [self.busy.eq(0), self.done.eq(1)]
        return m
