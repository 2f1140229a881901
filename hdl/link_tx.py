"""The link transmitter: one queued answer at a time, framed and CRC'd, onto the UART.

Each queue entry names an answer (``ANSWER_LAYOUT``); the payload comes from where it lives:
HELLO from a constant table, STATS from the live 64-bit counters, VERDICTS from the batch
engine's verdict memory, NAK from the entry itself. Every byte goes FETCH (set addresses,
latch a counter), LOAD (pick the byte), SEND (hold it until the UART takes it); the UART
needs at least 40 cycles a byte, so three cycles of bookkeeping cost no throughput.

STATS takes each counter into a 64-bit latch when its first byte is due, so every counter
is read at one instant (the counters keep running while the answer goes out).
"""

from __future__ import annotations

from amaranth.hdl import Array, Const, Module, Mux, Signal, Value
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from tcphw.contract import COUNTER_BITS, HEADER_SIZE, HELLO_SIZE, LINK_START, NAK_SIZE, STATS_SIZE, Response

from .link_rx import link_crc

ANSWER_LAYOUT = data.StructLayout(
    {
        "seq": 8,
        "type": 8,  # a Response code
        "count": 16,  # VERDICTS: verdict bytes to send
        "code": 8,  # NAK: the NakCode
        "nak_type": 8,  # NAK: the TYPE of the refused frame
        "slot": 1,  # VERDICTS: which verdict slot
    }
)


class FrameSender(wiring.Component):
    def __init__(self, *, hello: bytes, counters: list[Value], lanes: int, rows: int, slots: int) -> None:
        if len(hello) != HELLO_SIZE:
            raise ValueError(f"HELLO payload must be {HELLO_SIZE} bytes, got {len(hello)}")
        if len(counters) * COUNTER_BITS // 8 != STATS_SIZE:
            raise ValueError(f"STATS needs {STATS_SIZE * 8 // COUNTER_BITS} counters, got {len(counters)}")
        self.hello, self.counters, self.lanes, self.rows, self.slots = hello, counters, lanes, rows, slots
        super().__init__(
            {
                "answer": In(stream.Signature(ANSWER_LAYOUT)),
                "verdicts_ready": In(1),  # the batch engine has finished writing verdicts
                "verdict_addr": Out(range(slots * rows)),
                "verdict_data": In(8 * lanes),
                "slot_freed": Out(1),  # pulse: the VERDICTS answer from ``answer.slot`` is out
                "freed_slot": Out(1),
                "o": Out(stream.Signature(8)),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.crc = proc = link_crc()
        lane_bits = (self.lanes - 1).bit_length()

        cur = Signal(ANSWER_LAYOUT)
        length = Signal(16)
        index = Signal(17)  # byte of the frame being sent, START = 0
        pos = Signal(16)  # payload byte, valid when index >= HEADER_SIZE
        crc_latch = Signal(16)
        counter_latch = Signal(COUNTER_BITS)
        byte = Signal(8)

        payload_end = HEADER_SIZE + length
        m.d.comb += [
            pos.eq(index - HEADER_SIZE),
            self.verdict_addr.eq(cur.slot * self.rows + (pos >> lane_bits)),
            proc.data.eq(self.o.payload),
        ]
        m.d.sync += self.slot_freed.eq(0)

        hello_rom = Array(Const(b, 8) for b in self.hello)
        counters = Array(self.counters)
        verdict_lanes = Array(self.verdict_data[8 * k : 8 * k + 8] for k in range(self.lanes))
        header = Array(
            [
                Const(LINK_START, 8),
                cur.seq,
                cur.type,
                length[8:16],
                length[0:8],
                crc_latch[8:16],
                crc_latch[0:8],
            ]
        )
        payload_byte = Signal(8)
        with m.Switch(cur.type):
            with m.Case(Response.HELLO):
                m.d.comb += payload_byte.eq(hello_rom[pos])
            with m.Case(Response.STATS):
                m.d.comb += payload_byte.eq(counter_latch.word_select(~pos[0:3], 8))  # big-endian
            with m.Case(Response.VERDICTS):
                m.d.comb += payload_byte.eq(verdict_lanes[pos[:lane_bits]] if lane_bits else self.verdict_data)
            with m.Default():  # NAK
                m.d.comb += payload_byte.eq(Mux(pos == 0, cur.code, cur.nak_type))

        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.answer.valid & ((self.answer.payload.type != Response.VERDICTS) | self.verdicts_ready)):
                    m.d.comb += self.answer.ready.eq(1)
                    m.d.sync += [cur.eq(self.answer.payload), index.eq(0)]
                    with m.Switch(self.answer.payload.type):
                        with m.Case(Response.HELLO):
                            m.d.sync += length.eq(HELLO_SIZE)
                        with m.Case(Response.STATS):
                            m.d.sync += length.eq(STATS_SIZE)
                        with m.Case(Response.VERDICTS):
                            m.d.sync += length.eq(self.answer.payload.count)
                        with m.Default():
                            m.d.sync += length.eq(NAK_SIZE)
                    m.next = "FETCH"
            with m.State("FETCH"):
                # The CRC register holds bytes 1..index-1: latch it where a CRC field starts.
                with m.If((index == HEADER_SIZE - 2) | (index == payload_end)):
                    m.d.sync += crc_latch.eq(proc.crc)
                with m.If((cur.type == Response.STATS) & (index >= HEADER_SIZE) & (pos[0:3] == 0)):
                    m.d.sync += counter_latch.eq(counters[pos >> 3])
                m.next = "LOAD"
            with m.State("LOAD"):
                with m.If(index < HEADER_SIZE):
                    m.d.sync += byte.eq(header[index])
                with m.Elif(index < payload_end):
                    m.d.sync += byte.eq(payload_byte)
                with m.Elif(index == payload_end):
                    m.d.sync += byte.eq(crc_latch[8:16])
                with m.Else():
                    m.d.sync += byte.eq(crc_latch[0:8])
                m.next = "SEND"
            with m.State("SEND"):
                m.d.comb += [self.o.valid.eq(1), self.o.payload.eq(byte)]
                with m.If(self.o.ready):
                    m.d.comb += [proc.start.eq(index == 0), proc.valid.eq(index != 0)]
                    m.d.sync += index.eq(index + 1)
                    with m.If(index == payload_end + 1):
                        with m.If(cur.type == Response.VERDICTS):
                            m.d.sync += [self.slot_freed.eq(1), self.freed_slot.eq(cur.slot)]
                        m.next = "IDLE"
                    with m.Else():
                        m.next = "FETCH"
        return m
