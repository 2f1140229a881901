"""The link transmitter: one queued answer at a time, framed and CRC'd, onto the UART.

Each queue entry names an answer (``answer_layout``); the payload comes from where it lives:
HELLO from a constant table, STATS from the live 64-bit counters, VERDICTS from the batch
engine's verdict memory, NAK from the entry itself. Every byte goes FETCH (set addresses,
latch a counter), PICK (register each source's byte), LOAD (choose one), SEND (hold it until
the UART takes it); the UART needs at least 40 cycles a byte, so four cycles of bookkeeping
cost no throughput.

STATS takes each counter into a 64-bit latch when its first byte is due, so every counter
is read at one instant (the counters keep running while the answer goes out).
"""

from __future__ import annotations

from amaranth.hdl import Array, Const, Module, Mux, Signal
from amaranth.lib import data, enum, stream, wiring
from amaranth.lib.wiring import In, Out

from tcphw.contract import (
    COUNTER_BITS,
    HEADER_SIZE,
    HELLO_SIZE,
    LINK_START,
    NAK_SIZE,
    STATS_FIELDS,
    STATS_SIZE,
    TRAILER_SIZE,
    Response,
)
from tcphw.hdl.batch import verdict_read_signature
from tcphw.hdl.counter import stats_signature
from tcphw.hdl.link.rx import frame_crc, header_crc


class Phase(enum.Enum, shape=2):  # type: ignore[call-arg]
    HEADER = 0
    PAYLOAD = 1
    TRAILER = 2


def answer_layout(slots: int) -> data.StructLayout:
    """One queued answer; ``slots`` verdict slots (the HELLO window) name where a VERDICTS answer's bytes are."""
    return data.StructLayout(
        {
            "seq": 8,
            "type": 8,  # a Response code
            "count": 16,  # VERDICTS: verdict bytes to send
            "code": 8,  # NAK: the NakCode
            "nak_type": 8,  # NAK: the TYPE of the refused frame
            "slot": range(slots),  # VERDICTS: which verdict slot
        }
    )


class FrameSender(wiring.Component):
    def __init__(self, *, hello: bytes, lanes: int, rows: int, slots: int) -> None:
        if len(hello) != HELLO_SIZE:
            raise ValueError(f"HELLO payload must be {HELLO_SIZE} bytes, got {len(hello)}")
        assert len(STATS_FIELDS) * COUNTER_BITS // 8 == STATS_SIZE  # STATS is the counters, whole
        self.hello, self.lanes, self.rows, self.slots = hello, lanes, rows, slots
        super().__init__(
            {
                "answer": In(stream.Signature(answer_layout(slots))),
                # the batch engine's verdict memory (a VERDICTS answer waits while it is busy)
                "verdicts": Out(verdict_read_signature(lanes=lanes, rows=rows, slots=slots)),
                # a VERDICTS answer is out: its slot (``answer.slot``) is free again
                "freed": Out(stream.Signature(range(slots), always_ready=True)),
                "stats": In(stats_signature()),
                "o": Out(stream.Signature(8)),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.hcrc = proc = header_crc()
        m.submodules.fcrc = fcrc = frame_crc()
        lane_bits = (self.lanes - 1).bit_length()

        cur = Signal(answer_layout(self.slots))
        length = Signal(16)
        # Where in the frame we are, kept as a phase and small counters rather than one byte
        # index, so no wide comparison sits in front of the byte mux (the iCE40's slow path).
        phase = Signal(Phase)
        step = Signal(range(HEADER_SIZE))  # byte within the header or the trailer
        pos = Signal(16)  # payload byte
        left = Signal(16)  # payload bytes still to send
        crc_latch = Signal(16)
        check_latch = Signal(32)
        counter_latch = Signal(COUNTER_BITS)
        byte = Signal(8)

        verdict_data = self.verdicts.data
        m.d.comb += [
            self.verdicts.addr.eq(cur.slot * self.rows + (pos >> lane_bits)),
            proc.data.eq(self.o.payload),
            fcrc.data.eq(self.o.payload),
        ]
        m.d.sync += self.freed.valid.eq(0)

        hello_rom = Array(Const(b, 8) for b in self.hello)
        counters = Array(self.stats.counts[f.name] for f in STATS_FIELDS)  # in STATS order
        verdict_lanes = Array(verdict_data[8 * k : 8 * k + 8] for k in range(self.lanes))
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
        # Each payload source is registered on its own (PICK) before one small mux picks the byte
        # (LOAD): the block-RAM output and the ROM never feed the byte register through a deep mux.
        hello_byte, stats_byte, verdict_byte, nak_byte = (
            Signal(8, name=n) for n in ("hello_b", "stats_b", "verdict_b", "nak_b")
        )
        payload_byte = Signal(8)
        with m.Switch(cur.type):
            with m.Case(Response.HELLO):
                m.d.comb += payload_byte.eq(hello_byte)
            with m.Case(Response.STATS):
                m.d.comb += payload_byte.eq(stats_byte)
            with m.Case(Response.VERDICTS):
                m.d.comb += payload_byte.eq(verdict_byte)
            with m.Default():  # NAK
                m.d.comb += payload_byte.eq(nak_byte)

        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.answer.valid & ((self.answer.payload.type != Response.VERDICTS) | ~self.verdicts.busy)):
                    m.d.comb += self.answer.ready.eq(1)
                    m.d.sync += [cur.eq(self.answer.payload), phase.eq(Phase.HEADER), step.eq(0), pos.eq(0)]
                    with m.Switch(self.answer.payload.type):
                        with m.Case(Response.HELLO):
                            m.d.sync += [length.eq(HELLO_SIZE), left.eq(HELLO_SIZE)]
                        with m.Case(Response.STATS):
                            m.d.sync += [length.eq(STATS_SIZE), left.eq(STATS_SIZE)]
                        with m.Case(Response.VERDICTS):
                            m.d.sync += [length.eq(self.answer.payload.count), left.eq(self.answer.payload.count)]
                        with m.Default():
                            m.d.sync += [length.eq(NAK_SIZE), left.eq(NAK_SIZE)]
                    m.next = "FETCH"
            with m.State("FETCH"):
                # The CRC registers hold every byte sent after START: latch each where its field starts.
                with m.If((phase == Phase.HEADER) & (step == HEADER_SIZE - 2)):
                    m.d.sync += crc_latch.eq(proc.crc)
                with m.If((phase == Phase.TRAILER) & (step == 0)):
                    m.d.sync += check_latch.eq(fcrc.crc)
                with m.If((cur.type == Response.STATS) & (phase == Phase.PAYLOAD) & (pos[0:3] == 0)):
                    # A carry in flight makes a counter read low for a cycle or two: wait it out.
                    with m.If(self.stats.settled):
                        m.d.sync += counter_latch.eq(counters[pos >> 3])
                        m.next = "PICK"
                with m.Else():
                    m.next = "PICK"
            with m.State("PICK"):
                m.d.sync += [
                    hello_byte.eq(hello_rom[pos]),
                    stats_byte.eq(counter_latch.word_select(~pos[0:3], 8)),  # big-endian
                    verdict_byte.eq(verdict_lanes[pos[:lane_bits]] if lane_bits else verdict_data),
                    nak_byte.eq(Mux(pos == 0, cur.code, cur.nak_type)),
                ]
                m.next = "LOAD"
            with m.State("LOAD"):
                with m.Switch(phase):
                    with m.Case(Phase.HEADER):
                        m.d.sync += byte.eq(header[step])
                    with m.Case(Phase.PAYLOAD):
                        m.d.sync += byte.eq(payload_byte)
                    with m.Case(Phase.TRAILER):
                        m.d.sync += byte.eq(check_latch.word_select(step[:2], 8))  # little-endian
                m.next = "SEND"
            with m.State("SEND"):
                m.d.comb += [self.o.valid.eq(1), self.o.payload.eq(byte)]
                with m.If(self.o.ready):
                    first = (phase == Phase.HEADER) & (step == 0)
                    m.d.comb += [
                        proc.start.eq(first),
                        proc.valid.eq(~first),
                        fcrc.start.eq(first),
                        fcrc.valid.eq(~first & (phase != Phase.TRAILER)),
                    ]
                    m.next = "FETCH"
                    with m.Switch(phase):
                        with m.Case(Phase.HEADER):
                            m.d.sync += step.eq(step + 1)
                            with m.If(step == HEADER_SIZE - 1):
                                m.d.sync += [step.eq(0), phase.eq(Mux(left == 0, Phase.TRAILER, Phase.PAYLOAD))]
                        with m.Case(Phase.PAYLOAD):
                            m.d.sync += [pos.eq(pos + 1), left.eq(left - 1)]
                            with m.If(left == 1):
                                m.d.sync += phase.eq(Phase.TRAILER)
                        with m.Case(Phase.TRAILER):
                            m.d.sync += step.eq(step + 1)
                            with m.If(step == TRAILER_SIZE - 1):
                                with m.If(cur.type == Response.VERDICTS):
                                    m.d.sync += [self.freed.valid.eq(1), self.freed.payload.eq(cur.slot)]
                                m.next = "IDLE"
        return m
