"""UART TX/RX at pin level in Amaranth's simulator: framing, baud tolerance, glitches, errors, loopback."""

from __future__ import annotations

import random

import pytest
from amaranth.hdl import Module
from amaranth.sim import Simulator

from tcphw.contract import UART_FRAME_BITS
from tcphw.hdl.uart import UARTRx, UARTTx

DIV = 8


def frame_levels(byte: int, stop: int = 1) -> list[int]:
    """Line levels of one 8N1 frame: start, data LSB first, stop."""
    return [0] + [(byte >> k) & 1 for k in range(8)] + [stop]


def run(dut: object, bench) -> None:  # type: ignore[no-untyped-def]
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


async def send_byte(ctx, tx: UARTTx, byte: int) -> None:  # type: ignore[no-untyped-def]
    """Offer ``byte`` on the transmitter's stream until it is taken."""
    ctx.set(tx.i.payload, byte)
    ctx.set(tx.i.valid, 1)
    await ctx.tick().until(tx.i.ready)
    await ctx.tick()
    ctx.set(tx.i.valid, 0)


async def drive_line(ctx, pin, levels: list[int], bit_cycles: float) -> None:  # type: ignore[no-untyped-def]
    """Drive ``levels`` one bit each, with a (possibly fractional) bit period rounded per edge."""
    t = 0.0
    for level in levels:
        ctx.set(pin, level)
        t += bit_cycles
        await ctx.tick().repeat(round(t) - round(t - bit_cycles))


def test_tx_frames_bytes_lsb_first_at_the_divisor() -> None:
    dut = UARTTx(DIV)
    sent = [0x00, 0xFF, 0xA5, 0x3C, 0x01, 0x80]
    seen: list[list[int]] = []

    async def bench(ctx) -> None:  # type: ignore[no-untyped-def]
        assert ctx.get(dut.tx) == 1, "idle line must be high"
        for byte in sent:
            await send_byte(ctx, dut, byte)
            levels = []
            for _ in range(10):
                # Sample in the middle of each bit; every bit lasts exactly DIV cycles.
                await ctx.tick().repeat(DIV // 2)
                levels.append(ctx.get(dut.tx))
                await ctx.tick().repeat(DIV - DIV // 2)
            seen.append(levels)

    run(dut, bench)
    assert seen == [frame_levels(b) for b in sent]


def receive(
    levels: list[int], bit_cycles: float, ready: bool = True, gap: int = 0, dut: UARTRx | None = None
) -> tuple[list[int], int, int]:
    dut = dut or UARTRx(DIV)
    got: list[int] = []
    counters = [0, 0]

    async def bench(ctx) -> None:  # type: ignore[no-untyped-def]
        ctx.set(dut.o.ready, ready)
        ctx.set(dut.rx, 1)
        await ctx.tick().repeat(5)
        await drive_line(ctx, dut.rx, levels + [1] * (gap + 3), bit_cycles)
        counters[:] = [ctx.get(dut.framing_errors), ctx.get(dut.overflows)]
        if not ready:
            ctx.set(dut.o.ready, 1)
        await ctx.tick().repeat(2)

    async def collect(ctx) -> None:  # type: ignore[no-untyped-def]
        async for _clk_edge, _rst, valid, ready_, payload in ctx.tick().sample(dut.o.valid, dut.o.ready, dut.o.payload):
            if valid and ready_:
                got.append(payload)

    m = Module()
    m.submodules.dut = dut
    sim = Simulator(m)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.add_process(collect)
    sim.run_until(1e-6 * (len(levels) * bit_cycles + gap + 60))
    return got, counters[0], counters[1]


@pytest.mark.parametrize("skew", [1.0, 0.97, 1.03])
def test_rx_receives_random_bytes_within_3_percent_baud_error(skew: float) -> None:
    rng = random.Random(int(skew * 100))
    data = [rng.randrange(256) for _ in range(40)] + [0x00, 0xFF, 0x55, 0xAA]
    levels: list[int] = []
    for b in data:
        levels += frame_levels(b) + [1] * rng.randrange(0, 3)  # 0-2 idle bits between frames
    got, framing, overflow = receive(levels, DIV * skew)
    assert got == data and framing == 0 and overflow == 0


def test_rx_counts_a_framing_error_then_recovers() -> None:
    # Bad stop bit, the line held low (a break) for 3 more bits, then idle and a good frame.
    levels = frame_levels(0x5A, stop=0) + [0] * 3 + [1] * 3 + frame_levels(0xC3)
    got, framing, overflow = receive(levels, DIV)
    assert got == [0xC3], "the byte with a bad stop bit must be dropped, the next one received"
    assert framing == 1 and overflow == 0


def test_rx_short_low_pulse_is_not_a_start_bit() -> None:
    # At 2 cycles per level: a 2-cycle low pulse (under half a bit of DIV=8), then a long idle line.
    got, framing, _ = receive([0] + [1] * 20, 2)
    assert got == [] and framing == 0
    # The same pulse right before a real frame does not disturb it.
    got, framing, _ = receive([0, 1, 1, 1, 1, 1] + [lvl for lvl in frame_levels(0x96) for _ in range(4)], 2)
    assert got == [0x96] and framing == 0


def test_rx_counts_overflow_and_keeps_the_waiting_byte() -> None:
    levels = frame_levels(0x11) + frame_levels(0x22) + frame_levels(0x33)
    got, framing, overflow = receive(levels, DIV, ready=False)
    assert got == [0x11], "the first byte waits; later ones overflow"
    assert overflow == 2 and framing == 0


@pytest.mark.parametrize(("divisor", "synchronous"), [(DIV, False), (2, True), (3, True)])
def test_loopback_tx_to_rx_with_backpressure(divisor: int, synchronous: bool) -> None:
    rng = random.Random(5)
    data = [rng.randrange(256) for _ in range(30)]
    m = Module()
    m.submodules.tx = tx = UARTTx(divisor, synchronous=synchronous)
    m.submodules.rx = rx = UARTRx(divisor, synchronous=synchronous)
    m.d.comb += rx.rx.eq(tx.tx)
    got: list[int] = []
    errors: list[int] = []

    async def send(ctx) -> None:  # type: ignore[no-untyped-def]
        for b in data:
            await send_byte(ctx, tx, b)
            await ctx.tick().repeat(rng.randrange(1, 12))

    async def take(ctx) -> None:  # type: ignore[no-untyped-def]
        while len(got) < len(data):
            # The consumer takes each byte within a frame time, so nothing overflows.
            ctx.set(rx.o.ready, rng.random() < 0.3)
            await ctx.tick()
        errors.extend([ctx.get(rx.framing_errors), ctx.get(rx.overflows)])

    async def collect(ctx) -> None:  # type: ignore[no-untyped-def]
        async for _clk, _rst, valid, ready, payload in ctx.tick().sample(rx.o.valid, rx.o.ready, rx.o.payload):
            if valid and ready:
                got.append(payload)

    sim = Simulator(m)
    sim.add_clock(1e-6)
    sim.add_testbench(send)
    sim.add_testbench(take)
    sim.add_process(collect)
    sim.run_until(1e-6 * (len(data) * UART_FRAME_BITS * divisor + len(data) * 12 + 200))
    assert got == data
    assert errors == [0, 0]


@pytest.mark.parametrize("divisor", [2, 3])
def test_rx_on_a_line_in_step_with_the_clock_takes_back_to_back_frames(divisor: int) -> None:
    """The virtual board's line: each level lasts exactly ``divisor`` cycles, changed just after an edge."""
    rng = random.Random(divisor)
    data = [rng.randrange(256) for _ in range(60)] + [0x00, 0xFF, 0x55, 0xAA]
    levels = [lvl for b in data for lvl in frame_levels(b)]  # no idle bit between frames
    got, framing, overflow = receive(levels, divisor, dut=UARTRx(divisor, synchronous=True))
    assert got == data and framing == 0 and overflow == 0
    # A bad stop bit at 2 cycles a bit is still counted, and the receiver recovers.
    levels = frame_levels(0x5A, stop=0) + [0] * 3 + [1] * 3 + frame_levels(0xC3)
    got, framing, overflow = receive(levels, divisor, dut=UARTRx(divisor, synchronous=True))
    assert got == [0xC3] and framing == 1 and overflow == 0


@pytest.mark.parametrize("cls", [UARTTx, UARTRx])
def test_divisor_too_small_is_refused(cls: type) -> None:
    with pytest.raises(ValueError, match=r"divisor .* >= 4 for a line from another clock"):
        cls(3)  # a real pin needs a middle to sample
    with pytest.raises(ValueError, match=r"divisor .* >= 2 for a line in step with the clock"):
        cls(1, synchronous=True)
    assert cls(2, synchronous=True).divisor == 2
