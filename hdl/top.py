"""The board top: UART pins in and out, the link layer, the batch engine and the counters.

    rx pin -> UARTRx -> FrameReceiver -> (descriptors) -> BatchEngine -> verdict slots
                             |  event         ^ start                        |
                             v                |                              v
                        dispatcher -> answer queue (FIFO) -> FrameSender -> UARTTx -> tx pin

Every arrow is a ``wiring.connect`` of two interfaces, so a width or direction that does not match fails
at elaboration; the streams that cannot wait (descriptors, events, starts, freed slots, and the answer
queue's write side, ``hdl/link/queue.py``) are ``always_ready``, which ``connect`` also checks at both ends.
Only the pins and what each STATS counter counts are assigned by hand.

The dispatcher turns each receiver event into at most one queued answer and bumps one
counter (``hdl/link/dispatch.py``); the same rules are written in Python in ``sim/link/model.py``. A host that keeps to
the HELLO ``window`` always finds a free verdict slot and a free queue entry; one that does
not gets NAK BUSY (or, with the queue full too, silence and a ``rejected_busy`` count), so a
frame is answered once or not at all, never twice and never wrongly.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

from amaranth.hdl import Module, Mux, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out, connect

from tcphw.contract import (
    BOARD_NAME_SIZE,
    DESCRIPTOR_SIZE,
    HEADER_SIZE,
    PROTOCOL_VERSION,
    STATS_FIELDS,
    UART_FRAME_BITS,
)
from tcphw.contract.link import Hello

from .batch import BatchEngine
from .counter import StatsCounters
from .identity import PLACEHOLDER, gateware_id
from .link.dispatch import COUNTERS as DISPATCH_COUNTERS
from .link.dispatch import DEFAULT_WINDOW, MAX_WINDOW, Dispatcher
from .link.queue import AnswerQueue
from .link.rx import FrameReceiver
from .link.tx import FrameSender
from .uart import UARTRx, UARTTx, min_divisor
from .validator import LANE_CHOICES

ANSWER_QUEUE_DEPTH = 4
MAX_BAUD_ERROR = 0.02  # a UART tolerates a few percent; refuse clocks that miss by more


def buffer_divisor(capacity: int, lanes: int, pipeline: int) -> int:
    """The fewest clocks a UART bit may take for this buffer: the next batch's first descriptor lands in the
    buffer a header and a descriptor after the last one finished, and validation (capacity / lanes cycles,
    the pipeline, a few of hand-over) must have read the buffer by then."""
    cycles = capacity // lanes + pipeline + 8
    return cycles // ((HEADER_SIZE + DESCRIPTOR_SIZE) * UART_FRAME_BITS) + 1


@dataclass(frozen=True)
class LinkConfig:
    """Everything that decides the gateware (and therefore its gateware ID)."""

    board: str
    clock_hz: int
    baud: int
    lanes: int = 1
    pipeline: int = 2
    capacity: int = 256
    timeout_cycles: int = 0  # 0: ten milliseconds of clock
    window: int = DEFAULT_WINDOW  # verdict slots: batches a host may have unanswered (HELLO's window)
    # rx is driven in step with the clock (the virtual board), so the UART may run at 2 clocks a bit
    synchronous_line: bool = False

    def __post_init__(self) -> None:
        if len(self.board.encode("ascii")) > BOARD_NAME_SIZE:
            raise ValueError(f"board name {self.board!r} is longer than {BOARD_NAME_SIZE} ASCII bytes")
        if self.lanes not in LANE_CHOICES:
            raise ValueError(f"lanes must be one of {LANE_CHOICES}, got {self.lanes}")
        least = min_divisor(self.synchronous_line)
        if self.divisor < least:
            raise ValueError(f"{self.clock_hz} Hz is too slow a clock for {self.baud} baud (need {least}x)")
        if abs(self.actual_baud - self.baud) > MAX_BAUD_ERROR * self.baud:
            raise ValueError(
                f"{self.clock_hz} Hz / {self.baud} baud gives {self.actual_baud:.0f} baud, "
                f"more than {MAX_BAUD_ERROR:.0%} off: pick a clock that divides better"
            )
        if not 1 <= self.window <= MAX_WINDOW:
            raise ValueError(f"window must be 1..{MAX_WINDOW} (a byte in HELLO), got {self.window}")
        if not 1 <= self.capacity <= 0xFFFF or self.capacity % self.lanes:
            raise ValueError(f"capacity must be 1..65535 and a multiple of lanes, got {self.capacity}")
        least_for_buffer = buffer_divisor(self.capacity, self.lanes, self.pipeline)
        if self.divisor < least_for_buffer:
            raise ValueError(
                f"capacity / lanes is too large for this UART divisor: the buffer would be overwritten "
                f"(capacity {self.capacity} at {self.lanes} lane(s) needs {least_for_buffer} clocks a bit, "
                f"this clock and baud give {self.divisor})"
            )

    @property
    def divisor(self) -> int:
        return round(self.clock_hz / self.baud)

    @property
    def actual_baud(self) -> float:
        return self.clock_hz / self.divisor

    @property
    def timeout(self) -> int:
        return self.timeout_cycles or self.clock_hz // 100

    def parameters(self) -> dict[str, int | str]:
        return {**asdict(self), "timeout_cycles": self.timeout, "protocol": PROTOCOL_VERSION}

    def gateware_id(self) -> bytes:
        return _gateware_id(self)

    def hello(self, identity: bytes | None = None) -> bytes:
        """The HELLO payload this gateware answers with (``identity``: the ID to put in it)."""

        return Hello(
            protocol_version=PROTOCOL_VERSION,
            gateware_id=self.gateware_id() if identity is None else identity,
            board=self.board,
            lanes=self.lanes,
            pipeline=self.pipeline,
            capacity=self.capacity,
            window=self.window,
            clock_hz=self.clock_hz,
            baud=self.baud,
            timeout_cycles=self.timeout,
        ).encode()


@functools.lru_cache(maxsize=64)
def _gateware_id(config: LinkConfig) -> bytes:
    return gateware_id(config.parameters(), lambda: BoardTop(config, identity=PLACEHOLDER))


class BoardTop(wiring.Component):
    def __init__(self, config: LinkConfig, identity: bytes | None = None) -> None:
        self.config = config
        self.identity = identity  # None: the config's gateware ID (PLACEHOLDER while that is computed)
        super().__init__({"rx": In(1, init=1), "tx": Out(1, init=1)})

    def elaborate(self, platform: object) -> Module:
        cfg = self.config
        m = Module()
        # its own 32-bit counters go unused
        m.submodules.uart_rx = uart_rx = UARTRx(cfg.divisor, synchronous=cfg.synchronous_line)
        m.submodules.uart_tx = uart_tx = UARTTx(cfg.divisor, synchronous=cfg.synchronous_line)
        m.submodules.receiver = rx = FrameReceiver(capacity=cfg.capacity, timeout_cycles=cfg.timeout)
        m.submodules.engine = engine = BatchEngine(
            lanes=cfg.lanes, pipeline=cfg.pipeline, capacity=cfg.capacity, slots=cfg.window
        )
        # The dispatcher (hdl/link/dispatch.py): one event in, at most one answer queued, one counter bumped.
        m.submodules.dispatch = dispatch = Dispatcher(capacity=cfg.capacity, slots=cfg.window)
        # Room for every batch in the window's VERDICTS, plus HELLO, STATS and NAK answers.
        depth = max(ANSWER_QUEUE_DEPTH, cfg.window + 2)
        m.submodules.answers = answers = AnswerQueue(slots=cfg.window, depth=depth)
        # descriptors grows by a whole batch at a time; the others by one
        batch_bits = engine.done.payload.shape().width
        m.submodules.counters = counters = StatsCounters({"descriptors": batch_bits})
        m.submodules.sender = tx = FrameSender(
            hello=cfg.hello(self.identity), lanes=cfg.lanes, rows=engine.rows, slots=cfg.window
        )

        m.d.comb += [uart_rx.rx.eq(self.rx), self.tx.eq(uart_tx.tx)]
        # Named ends, so that a mismatch names them: "Cannot connect ... 'receiver.desc.ready' ...".
        connect(m, uart_rx=uart_rx.o, receiver=rx.i)
        connect(m, receiver=rx.desc, engine=engine.desc)
        connect(m, receiver=rx.event, dispatch=dispatch.event)
        connect(m, dispatch=dispatch.start, engine=engine.start)
        connect(m, dispatch=dispatch.queue, answers=answers.w)
        connect(m, answers=answers.r, sender=tx.answer)
        connect(m, sender=tx.verdicts, engine=engine.verdicts)
        connect(m, sender=tx.freed, dispatch=dispatch.freed)
        connect(m, counters=counters.o, sender=tx.stats)
        connect(m, sender=tx.o, uart_tx=uart_tx.i)

        # What each STATS counter counts; a field of the contract counted by nothing fails here.
        counted: dict[str, Value | int] = {
            "cycles": 1,
            "busy_cycles": engine.verdicts.busy,
            "descriptors": Mux(engine.done.valid, engine.done.payload, 0),
            "uart_framing_errors": uart_rx.framing_error,
            "uart_overflows": uart_rx.overflow,
            **{name: dispatch.bump[name] for name in DISPATCH_COUNTERS},
        }
        if missing := [f.name for f in STATS_FIELDS if f.name not in counted]:
            raise ValueError(f"STATS fields that nothing counts: {missing}")
        m.d.comb += [counters.inc[name].eq(value) for name, value in counted.items()]
        return m
