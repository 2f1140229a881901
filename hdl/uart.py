"""8N1 UART transmitter and receiver with stream interfaces, for the board's serial link.

``divisor`` is clock cycles per bit (``clk_hz // baud``). The receiver oversamples by
``divisor``: it synchronises the pin, finds the falling edge of the start bit, checks the line
is still low half a bit later (a shorter pulse is a glitch, not a start bit), samples every data
bit in its middle, and requires a high stop bit. Errors are counted, never silent:

- ``framing_errors``: a stop bit read low; the byte is dropped and the receiver waits for the
  line to go idle (high) before it looks for the next start bit;
- ``overflows``: a byte finished while the previous one was still waiting on ``o``; the new
  byte is dropped (the waiting one is kept), so the host sees a gap it can detect by CRC.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

COUNTER_BITS = 32
MIN_DIVISOR = 4  # a line from another clock (a real pin): the receiver needs a middle to sample
# A line driven in step with this clock (the virtual board's harness changes rx only between clock
# edges, every ``divisor`` cycles): no jitter and no glitches, so two cycles a bit are enough. The
# start bit is confirmed on its second cycle and each bit is sampled on its second cycle.
SYNCHRONOUS_MIN_DIVISOR = 2


def min_divisor(synchronous: bool) -> int:
    return SYNCHRONOUS_MIN_DIVISOR if synchronous else MIN_DIVISOR


def _check_divisor(divisor: int, synchronous: bool) -> None:
    least = min_divisor(synchronous)
    if not isinstance(divisor, int) or divisor < least:
        line = "a line in step with the clock" if synchronous else "a line from another clock"
        raise ValueError(
            f"UART divisor (clock cycles per bit) must be an integer >= {least} for {line}, got {divisor!r}"
        )


class UARTTx(wiring.Component):
    """Sends each byte taken from ``i`` as start bit, 8 data bits LSB first, stop bit."""

    def __init__(self, divisor: int, *, synchronous: bool = False) -> None:
        _check_divisor(divisor, synchronous)
        self.divisor = divisor
        super().__init__({"i": In(stream.Signature(8)), "tx": Out(1, init=1)})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        timer = Signal(range(self.divisor))
        shift = Signal(10)  # stop, data[7:0], start; shifted out LSB first
        bits_left = Signal(range(11))
        idle = bits_left == 0
        m.d.comb += [self.i.ready.eq(idle), self.tx.eq(Mux(idle, 1, shift[0]))]  # idle line is high
        with m.If(bits_left == 0):
            with m.If(self.i.valid):
                m.d.sync += [
                    shift.eq(Cat(0, self.i.payload, 1)),
                    bits_left.eq(10),
                    timer.eq(0),
                ]
        with m.Else():
            with m.If(timer == self.divisor - 1):
                m.d.sync += [timer.eq(0), shift.eq(shift >> 1), bits_left.eq(bits_left - 1)]
            with m.Else():
                m.d.sync += timer.eq(timer + 1)
        return m


class UARTRx(wiring.Component):
    """Receives 8N1 bytes from the ``rx`` pin onto stream ``o`` (one byte of buffering)."""

    def __init__(self, divisor: int, counter_bits: int = COUNTER_BITS, *, synchronous: bool = False) -> None:
        _check_divisor(divisor, synchronous)
        self.divisor = divisor
        super().__init__(
            {
                "rx": In(1, init=1),
                "o": Out(stream.Signature(8)),
                "framing_errors": Out(counter_bits),
                "overflows": Out(counter_bits),
                # One-cycle pulses, for counters kept elsewhere (the board top's 64-bit ones).
                "framing_error": Out(1),
                "overflow": Out(1),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        pin = Signal(init=1)
        m.submodules.sync_rx = FFSynchronizer(self.rx, pin, init=1)

        timer = Signal(range(self.divisor))
        data = Signal(8)
        bit = Signal(range(8))

        with m.If(self.o.valid & self.o.ready):
            m.d.sync += self.o.valid.eq(0)

        with m.FSM():
            with m.State("IDLE"):
                with m.If(~pin):
                    m.d.sync += timer.eq(0)
                    m.next = "START"
            with m.State("START"):
                # Half a bit after the falling edge: still low means a real start bit.
                with m.If(timer == self.divisor // 2 - 1):
                    m.d.sync += [timer.eq(0), bit.eq(0)]
                    with m.If(pin):
                        m.next = "IDLE"  # a glitch shorter than half a bit
                    with m.Else():
                        m.next = "DATA"
                with m.Else():
                    m.d.sync += timer.eq(timer + 1)
            with m.State("DATA"):
                with m.If(timer == self.divisor - 1):
                    m.d.sync += [timer.eq(0), data.eq(Cat(data[1:], pin)), bit.eq(bit + 1)]
                    with m.If(bit == 7):
                        m.next = "STOP"
                with m.Else():
                    m.d.sync += timer.eq(timer + 1)
            with m.State("STOP"):
                with m.If(timer == self.divisor - 1):
                    m.d.sync += timer.eq(0)
                    with m.If(~pin):
                        m.d.comb += self.framing_error.eq(1)
                        m.d.sync += self.framing_errors.eq(self.framing_errors + 1)
                        m.next = "BREAK"
                    with m.Else():
                        with m.If(self.o.valid & ~self.o.ready):
                            m.d.comb += self.overflow.eq(1)
                            m.d.sync += self.overflows.eq(self.overflows + 1)
                        with m.Else():
                            m.d.sync += [self.o.payload.eq(data), self.o.valid.eq(1)]
                        m.next = "IDLE"
                with m.Else():
                    m.d.sync += timer.eq(timer + 1)
            with m.State("BREAK"):
                # After a framing error, wait for an idle (high) line before looking for a start bit.
                with m.If(pin):
                    m.next = "IDLE"
        return m
