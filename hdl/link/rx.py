"""The link receiver: bytes from the UART in, frames out; the gateware twin of ``FrameParser``.

It hunts for START, checks the header CRC after the six header bytes (on failure it drops the
start byte and hunts through those six bytes again, from a replay register, because one of
them may be a real START), refuses LEN above ``max_payload`` at once, assembles VALIDATE
payloads into whole descriptors for the batch buffer, and checks the frame's CRC-32 at the end
(a second processor that runs from the byte after START to the last byte).
A line that stays quiet for ``timeout_cycles`` inside a frame sends the parser back to hunting.

Every frame ends in exactly one transfer on ``event`` (see ``EventKind``). ``desc`` and ``event`` are
streams without backpressure (``always_ready``): the receiver cannot hold the line, so their consumers
take every transfer in its cycle (the batch engine writes the descriptor into its buffer; the
dispatcher decides on the event).
"""

from __future__ import annotations

import enum

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import crc, data, stream, wiring
from amaranth.lib.wiring import In, Out

from tcphw.contract import (
    DESCRIPTOR_COMMANDS,
    DESCRIPTOR_SIZE,
    HEADER_SIZE,
    LINK_START,
    TRAILER_SIZE,
    Command,
    NakCode,
)
from tcphw.hdl.layouts import indexed_descriptor_layout

HEADER_BYTES = HEADER_SIZE - 1  # after START: SEQ TYPE LEN(2) HCRC(2)


class EventKind(enum.IntEnum):
    FRAME = 0  # both CRCs right: dispatch it
    NAK = 1  # good header, refused for ``code`` (TOO_LONG, BAD_CRC, TIMEOUT)
    HEADER_ERROR = 2  # wrong header CRC: no answer
    HEADER_TIMEOUT = 3  # the line went quiet inside a header: no answer


def event_layout(capacity: int) -> data.StructLayout:
    return data.StructLayout(
        {
            "kind": 2,  # EventKind
            "code": 8,  # NakCode when kind is NAK
            "seq": 8,
            "type": 8,
            "length": 16,
            "descriptors": range(capacity + 1),
            "aligned": 1,  # the payload was a whole number of descriptors
            # Decoded here, from registers, so the dispatcher's decision is shallow logic.
            "known": 1,  # TYPE is a command
            "length_ok": 1,  # LEN is allowed for that command
        }
    )


def header_crc() -> crc.Processor:
    """A byte-wide processor for the contract's CRC-16 (a test checks the catalogue entry)."""
    return crc.catalog.CRC16_IBM_3740(data_width=8).create()


def frame_crc() -> crc.Processor:
    """A byte-wide processor for the frame check, CRC-32/ISO-HDLC (``zlib.crc32``)."""
    return crc.catalog.CRC32_ISO_HDLC(data_width=8).create()


class FrameReceiver(wiring.Component):
    def __init__(self, *, capacity: int, timeout_cycles: int) -> None:
        self.capacity = capacity
        self.max_payload = capacity * DESCRIPTOR_SIZE
        self.timeout_cycles = timeout_cycles
        super().__init__(
            {
                "i": In(stream.Signature(8)),  # bytes from the UART
                # each whole descriptor, with its index in the batch buffer
                "desc": Out(stream.Signature(indexed_descriptor_layout(capacity), always_ready=True)),
                "event": Out(stream.Signature(event_layout(capacity), always_ready=True)),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.hcrc = proc = header_crc()
        m.submodules.fcrc = fcrc = frame_crc()

        header = Signal(8 * HEADER_BYTES)  # SEQ first, in bits 40..47
        header_count = Signal(range(HEADER_BYTES + 1))
        replay = Signal(8 * HEADER_BYTES)
        replay_left = Signal(range(HEADER_BYTES + 1))
        payload_left = Signal(16)
        trailer_left = Signal(range(TRAILER_SIZE + 1))
        desc_byte = Signal(range(DESCRIPTOR_SIZE))
        descriptors = Signal(range(self.capacity + 1))
        quiet = Signal(range(self.timeout_cycles + 1))

        seq, type_ = header[40:48], header[32:40]
        length = header[16:32]

        # The UART's byte is registered first (it arrives at most every 40 cycles), so the parser
        # and the wide descriptor register never hang off the UART's own logic (iCE40 timing).
        held = Signal()
        held_byte = Signal(8)
        m.d.comb += self.i.ready.eq(~held)
        with m.If(self.i.valid & ~held):
            m.d.sync += [held.eq(1), held_byte.eq(self.i.payload), quiet.eq(0)]
        with m.Elif(quiet != self.timeout_cycles):
            m.d.sync += quiet.eq(quiet + 1)
        timed_out = quiet == self.timeout_cycles

        # Byte source: the replay register first, then the UART.
        replaying = replay_left != 0
        byte = Signal(8)
        valid = Signal()
        accepting = Signal()
        m.d.comb += [
            byte.eq(Mux(replaying, replay[40:48], held_byte)),
            valid.eq(replaying | held),
            proc.data.eq(byte),
            fcrc.data.eq(byte),
        ]
        take = valid & accepting
        with m.If(take):
            with m.If(replaying):
                m.d.sync += [replay.eq(replay << 8), replay_left.eq(replay_left - 1)]
            with m.Else():
                m.d.sync += held.eq(0)

        # A payload byte is shifted into the descriptor register a cycle after the parser takes
        # it, from registers: the 192-bit register's enable is one flip-flop, not parser logic.
        payload_strobe = Signal()
        payload_byte = Signal(8)
        desc = self.desc.payload
        m.d.sync += [payload_strobe.eq(0), self.event.valid.eq(0), self.desc.valid.eq(0)]
        with m.If(payload_strobe):
            m.d.sync += [desc.data.eq(Cat(desc.data[8:], payload_byte)), desc_byte.eq(desc_byte + 1)]
            with m.If(desc_byte == DESCRIPTOR_SIZE - 1):
                # Never past the buffer: LEN <= capacity * 24 was checked at the header.
                m.d.sync += [
                    desc_byte.eq(0),
                    self.desc.valid.eq(1),
                    desc.index.eq(descriptors),
                    descriptors.eq(descriptors + 1),
                ]

        ev = self.event.payload

        def emit(kind: EventKind, code: NakCode | int = 0) -> None:
            m.d.sync += [
                self.event.valid.eq(1),
                ev.kind.eq(kind),
                ev.code.eq(code),
                ev.seq.eq(seq),
                ev.type.eq(type_),
                ev.length.eq(length),
                ev.descriptors.eq(descriptors),
                ev.aligned.eq(desc_byte == 0),
                # from the contract's enums: a command added there is known here, with its length rule
                ev.known.eq(Cat(type_ == command for command in Command).any()),
                ev.length_ok.eq(
                    Mux(
                        Cat(type_ == command for command in DESCRIPTOR_COMMANDS).any(),
                        (length != 0) & (desc_byte == 0),
                        length == 0,
                    )
                ),
            ]

        with m.FSM():
            with m.State("HUNT"):
                m.d.comb += accepting.eq(1)
                with m.If(take & (byte == LINK_START)):
                    m.d.comb += [proc.start.eq(1), fcrc.start.eq(1)]
                    m.d.sync += header_count.eq(0)
                    m.next = "HEADER"
            with m.State("HEADER"):
                m.d.comb += accepting.eq(1)
                with m.If(take):
                    m.d.comb += [proc.valid.eq(1), fcrc.valid.eq(1)]
                    m.d.sync += [header.eq(Cat(byte, header[:-8])), header_count.eq(header_count + 1)]
                    with m.If(header_count == HEADER_BYTES - 1):
                        m.next = "HEADER_CHECK"
                with m.Elif(timed_out & ~replaying):
                    emit(EventKind.HEADER_TIMEOUT)
                    m.next = "HUNT"
            with m.State("HEADER_CHECK"):
                with m.If(~proc.match_detected):
                    emit(EventKind.HEADER_ERROR)
                    m.d.sync += [replay.eq(header), replay_left.eq(HEADER_BYTES)]
                    m.next = "HUNT"
                with m.Elif(length > self.max_payload):
                    emit(EventKind.NAK, NakCode.TOO_LONG)
                    m.next = "HUNT"
                with m.Else():
                    m.d.sync += [
                        payload_left.eq(length),
                        trailer_left.eq(TRAILER_SIZE),
                        desc_byte.eq(0),
                        descriptors.eq(0),
                    ]
                    m.next = "BODY"
            with m.State("BODY"):
                m.d.comb += accepting.eq(1)
                with m.If(take):
                    m.d.comb += fcrc.valid.eq(1)
                    with m.If(payload_left != 0):
                        m.d.sync += [payload_left.eq(payload_left - 1), payload_strobe.eq(1), payload_byte.eq(byte)]
                    with m.Else():
                        m.d.sync += trailer_left.eq(trailer_left - 1)
                        with m.If(trailer_left == 1):
                            m.next = "FRAME_CHECK"
                with m.Elif(timed_out):
                    emit(EventKind.NAK, NakCode.TIMEOUT)
                    m.next = "HUNT"
            with m.State("FRAME_CHECK"):
                with m.If(fcrc.match_detected):
                    emit(EventKind.FRAME)
                with m.Else():
                    emit(EventKind.NAK, NakCode.BAD_CRC)
                m.next = "HUNT"
        return m
