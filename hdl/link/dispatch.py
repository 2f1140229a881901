"""The frame dispatcher: one receiver event in, at most one answer queued and one counter bumped.

It is the link's decision logic, apart from the UART, the frame receiver and sender, and the
batch engine, so that it can be checked in the Amaranth simulator against the link model
(``tcphw.sim.link.model``) in seconds (``tests/test_link_dispatch.py``). The rules, in order:

- a wrong header CRC or a header cut off by the timeout: no answer, one counter;
- a NAK event from the receiver (BAD_CRC, TOO_LONG, TIMEOUT): a NAK with that code;
- a TYPE that is no ``Command``: NAK UNKNOWN_COMMAND; a LEN the command does not take: NAK BAD_LENGTH;
- VALIDATE with no free verdict slot, or no room in the answer queue: NAK BUSY; otherwise the
  batch starts in a free slot and its VERDICTS answer is queued;
- HELLO and STATS: the response is queued (the sender builds its body).

An answer that finds the queue full is dropped and counted as ``rejected_busy``: a frame is
answered once or not at all (``hdl/link/queue.py`` says why the queue's write side is a stream without
backpressure beside ``room``). The command set, the response codes and the counter of each NAK code come
from the contract's enums: a command added there and not here fails elaboration, not silently.
"""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from tcphw.contract import NAK_COUNTER, RESPONSE_FLAG, Command, NakCode, Response
from tcphw.hdl.batch import batch_start_layout
from tcphw.hdl.link.queue import queue_signature
from tcphw.hdl.link.rx import EventKind, event_layout

# The HELLO window: verdict slots, so batches a host may have unanswered. Two let one batch arrive while
# the last one's verdicts go out; four also let a host on a faulty line find a lost answer by the order of
# the next ones instead of by a timeout (twice the rate at 0.9% faulty bytes, docs/protocol.md). A gateware
# parameter (LinkConfig.window, Board.window), at most a byte (HELLO).
DEFAULT_WINDOW = 4
MAX_WINDOW = 255

# The counters the dispatcher bumps, by name (STATS_FIELDS names): every NAK code's, plus these.
COUNTERS = tuple(dict.fromkeys(["frames_accepted", "rejected_header", "rejected_timeout", *NAK_COUNTER.values()]))
BUMP_LAYOUT = data.StructLayout({name: 1 for name in COUNTERS})


class Dispatcher(wiring.Component):
    def __init__(self, capacity: int, slots: int = DEFAULT_WINDOW) -> None:
        if not 1 <= slots <= MAX_WINDOW:
            raise ValueError(f"the window (verdict slots) must be 1..{MAX_WINDOW}, got {slots}")
        self.capacity, self.slots = capacity, slots
        super().__init__(
            {
                # every event is decided in its cycle
                "event": In(stream.Signature(event_layout(capacity), always_ready=True)),
                "queue": Out(queue_signature(slots)),
                # a batch's VERDICTS answer is out: its slot is free again
                "freed": In(stream.Signature(range(slots), always_ready=True)),
                # a batch into the engine (always free by then: LinkConfig checks the timing)
                "start": Out(stream.Signature(batch_start_layout(capacity, slots), always_ready=True)),
                # one pulse per counted outcome
                "bump": Out(BUMP_LAYOUT),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        ev, answer = self.event.payload, self.queue.answer.payload

        # Verdict slots: taken by a batch at dispatch, freed when its VERDICTS answer is out.
        slot_busy = Signal(self.slots)
        free_slot = Signal(range(self.slots))
        for i in reversed(range(self.slots)):  # the lowest free slot (the last assignment wins)
            with m.If(~slot_busy[i]):
                m.d.comb += free_slot.eq(i)
        freed = Signal(self.slots)
        taken = Signal(self.slots)
        with m.If(self.freed.valid):
            m.d.comb += freed.eq(1 << self.freed.payload)
        with m.If(self.start.valid):
            m.d.comb += taken.eq(1 << free_slot)
        m.d.sync += slot_busy.eq((slot_busy & ~freed) | taken)

        m.d.comb += [answer.seq.eq(ev.seq), answer.nak_type.eq(ev.type)]

        def bump(name: str) -> None:
            m.d.comb += self.bump[name].eq(1)

        def queue(type_: Response, counter: str) -> None:
            with m.If(self.queue.room):
                m.d.comb += [self.queue.answer.valid.eq(1), answer.type.eq(type_)]
                bump(counter)
            with m.Else():
                bump("rejected_busy")

        def nak(code: NakCode | Signal) -> None:
            m.d.comb += answer.code.eq(code)
            with m.Switch(code):
                for c in NakCode:
                    with m.Case(c):
                        queue(Response.NAK, NAK_COUNTER[c])

        with m.If(self.event.valid):
            with m.Switch(ev.kind):
                with m.Case(EventKind.HEADER_ERROR):
                    bump("rejected_header")
                with m.Case(EventKind.HEADER_TIMEOUT):
                    bump("rejected_timeout")
                with m.Case(EventKind.NAK):
                    nak(ev.code)
                with m.Case(EventKind.FRAME):
                    with m.If(~ev.known):
                        nak(NakCode.UNKNOWN_COMMAND)
                    with m.Elif(~ev.length_ok):
                        nak(NakCode.BAD_LENGTH)
                    with m.Else():
                        with m.Switch(ev.type):
                            for command in Command:
                                with m.Case(command):
                                    self._command(m, command, slot_busy, free_slot, queue, nak)
        return m

    def _command(self, m: Module, command: Command, slot_busy: Signal, free_slot: Signal, queue, nak) -> None:  # type: ignore[no-untyped-def]
        """What a well-formed frame of ``command`` does; a command added to the contract must be handled here."""
        if command not in (Command.HELLO, Command.VALIDATE, Command.STATS):
            raise NotImplementedError(f"the gateware has no answer for {command!r}: add it to the dispatcher")
        response = Response(command | RESPONSE_FLAG)
        if command == Command.VALIDATE:
            with m.If(slot_busy.all() | ~self.queue.room):
                nak(NakCode.BUSY)
            with m.Else():
                descriptors = self.event.payload.descriptors
                m.d.comb += [
                    self.start.valid.eq(1),
                    self.start.payload.count.eq(descriptors),
                    self.start.payload.slot.eq(free_slot),
                    self.queue.answer.payload.count.eq(descriptors),
                    self.queue.answer.payload.slot.eq(free_slot),
                ]
                queue(response, "frames_accepted")
        else:  # HELLO, STATS: fixed bodies the sender builds
            queue(response, "frames_accepted")
