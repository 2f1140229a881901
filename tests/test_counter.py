"""The segmented 64-bit counter: exact whenever it says it is settled, across segment carries."""

from __future__ import annotations

import random

import pytest
from amaranth.sim import Simulator

from tcphw.hdl.counter import WideCounter


def test_counter_matches_a_python_count_whenever_settled() -> None:
    # 4-bit segments (the board uses 16) so carries ripple into every segment and wrap it often.
    dut = WideCounter(16, delta_bits=4, segment_bits=4)
    rng = random.Random(3)
    steps = [rng.choice((0, 1, 15, rng.randrange(16))) for _ in range(6000)]
    checked = []

    async def bench(ctx):  # type: ignore[no-untyped-def]
        total = 0  # what the counter must show: every increment up to the previous cycle
        for step in steps:
            ctx.set(dut.inc, step)
            await ctx.tick()
            if ctx.get(dut.settled):
                assert ctx.get(dut.value) == total % (1 << 16)
                checked.append(total)
            total += step
        ctx.set(dut.inc, 0)
        await ctx.tick().repeat(4)
        assert ctx.get(dut.settled) and ctx.get(dut.value) == total % (1 << 16)
        assert total >= 1 << 12  # the top segment was reached

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert len(checked) > 3000  # settled most of the time, even with a carry every few steps


def test_counter_refuses_odd_widths() -> None:
    with pytest.raises(ValueError, match="multiple of 16"):
        WideCounter(40)
