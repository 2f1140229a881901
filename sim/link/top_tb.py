"""Pin-level cocotb tests of the whole board top: bytes in on ``rx``, answers out on ``tx``.

The host side is a bit-banged UART at the gateware's own divisor. Expected answers come from
the link model (``sim/link/model.py``), whose verdicts come from the numba ``software``
backend; the tests compare the answer bytes exactly, except where timing decides the answer
(BUSY, the inactivity timeout, STATS cycle counters), which the tests check on their own.
The runner (``tcphw.sim.top_runner``) passes the design in ``TB_LINK_CONFIG`` (JSON).
"""

from __future__ import annotations

import json
import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge

from tcphw import contract as c
from tcphw.contract.link import Event, Frame, FrameParser, Hello, Stats
from tcphw.descriptors.generate import KINDS, generate
from tcphw.hdl.top import LinkConfig
from tcphw.sim.link.model import BoardModel

CFG = LinkConfig(
    **json.loads(os.environ.get("TB_LINK_CONFIG", '{"board": "sim", "clock_hz": 4000000, "baud": 1000000}'))
)
D = CFG.divisor
SEED = int(os.environ.get("TB_SEED", "1"))
HARD_MIX = {kind: (len(KINDS) - 1.0 if kind == "valid" else 1.0) for kind in KINDS}


def descriptors(n: int, seed: int) -> bytes:
    rows, _ = generate(n, seed=seed, mix=HARD_MIX)
    return rows.tobytes()


class Host:
    """A UART host on the DUT's pins, with a response parser and a window like a real driver's."""

    def __init__(self, dut) -> None:  # type: ignore[no-untyped-def]
        self.dut = dut
        self.received = bytearray()
        self.events: list[Event] = []
        self.parser = FrameParser()

    async def start(self) -> None:
        self.dut.rx.value = 1
        cocotb.start_soon(Clock(self.dut.clk, 10, unit="ns").start())  # type: ignore[arg-type]
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 5)
        self.dut.rst.value = 0
        cocotb.start_soon(self._monitor())
        await ClockCycles(self.dut.clk, 2 * D)

    async def _monitor(self) -> None:
        tx = self.dut.tx
        while True:
            await FallingEdge(tx)
            await ClockCycles(self.dut.clk, D // 2)
            assert tx.value == 0, "a glitch on tx, not a start bit"
            value = 0
            for bit in range(8):
                await ClockCycles(self.dut.clk, D)
                value |= int(tx.value) << bit
            await ClockCycles(self.dut.clk, D)
            assert tx.value == 1, "tx stop bit low"
            self.received.append(value)
            self.events += self.parser.feed(bytes([value]))

    async def send(self, data: bytes, *, stop_bit: int = 1) -> None:
        for byte in data:
            for bit in (0, *((byte >> i) & 1 for i in range(8)), stop_bit):
                self.dut.rx.value = bit
                await ClockCycles(self.dut.clk, D)
            self.dut.rx.value = 1

    async def wait_events(self, count: int, *, limit_cycles: int = 2_000_000) -> None:
        waited = 0
        while len(self.events) < count:
            await ClockCycles(self.dut.clk, c.UART_FRAME_BITS * D)
            waited += c.UART_FRAME_BITS * D
            assert waited < limit_cycles, f"timed out waiting for answer {count} (have {len(self.events)})"

    async def exchange(self, frames: list[bytes], window: int = 0) -> None:
        """Send ``frames`` back to back, never more than ``window`` (default: the gateware's) unanswered,
        then wait for all answers."""
        window = window or CFG.window
        base = len(self.events)
        for k, frame in enumerate(frames):
            await self.wait_events(base + k + 1 - window)
            await self.send(frame)
        await self.wait_events(base + len(frames))

    async def stats(self, seq: int = 0) -> Stats:
        await self.exchange([c.encode_frame(seq, c.Command.STATS)])
        event = self.events[-1]
        assert isinstance(event, Frame) and event.type == c.Response.STATS, event
        return Stats.decode(event.payload)


def model() -> BoardModel:
    return BoardModel(Hello.decode(CFG.hello()))


def assert_same_answers(host: Host, start: int, expected: bytes) -> None:
    got = bytes(host.received[start:])
    if got != expected:
        want = FrameParser().feed(expected)
        have = FrameParser().feed(got)
        for k, (a, b) in enumerate(zip(have, want, strict=False)):
            assert a == b, f"answer {k}: board sent {a}, model expects {b}"
        raise AssertionError(f"board sent {len(have)} answers, model expects {len(want)}: {have} != {want}")


@cocotb.test()
async def hello(dut) -> None:  # type: ignore[no-untyped-def]
    host = Host(dut)
    await host.start()
    await host.exchange([c.encode_frame(7, c.Command.HELLO)])
    event = host.events[-1]
    assert isinstance(event, Frame) and event.seq == 7 and event.type == c.Response.HELLO, event
    hello = Hello.decode(event.payload)
    assert event.payload == CFG.hello()
    assert hello.protocol_version == c.PROTOCOL_VERSION and hello.gateware_id == CFG.gateware_id()
    assert (hello.lanes, hello.capacity, hello.clock_hz, hello.baud) == (
        CFG.lanes,
        CFG.capacity,
        CFG.clock_hz,
        CFG.baud,
    )


@cocotb.test()
async def validate_every_batch_size(dut) -> None:  # type: ignore[no-untyped-def]
    """Batches of 1..capacity descriptors, back to back within the window; verdicts == software."""
    host = Host(dut)
    await host.start()
    sizes = list(range(1, CFG.capacity + 1))
    random.Random(SEED).shuffle(sizes)
    frames = [c.encode_frame(k % 256, c.Command.VALIDATE, descriptors(n, SEED + k)) for k, n in enumerate(sizes)]
    m = model()
    expected = b"".join(m.feed(f) for f in frames)
    await host.exchange(frames)
    assert_same_answers(host, 0, expected)
    stats = await host.stats()
    assert stats.descriptors == sum(sizes) and stats.frames_accepted == len(sizes) + 1
    rows = sum(-(-n // CFG.lanes) for n in sizes)
    # Each batch occupies the validator for its rows plus the pipeline and a cycle to start and finish.
    assert rows <= stats.busy_cycles <= rows + len(sizes) * (CFG.pipeline + 3), (rows, stats.busy_cycles)
    assert stats.cycles > stats.busy_cycles


@cocotb.test()
async def stats_counts_everything(dut) -> None:  # type: ignore[no-untyped-def]
    host = Host(dut)
    await host.start()
    payload = descriptors(3, SEED)
    bad = bytearray(c.encode_frame(2, c.Command.VALIDATE, payload))
    bad[c.HEADER_SIZE + 5] ^= 0x40
    frames = [
        c.encode_frame(1, c.Command.HELLO),
        bytes(bad),
        c.encode_frame(3, c.Command.VALIDATE, payload[:-1]),  # not a whole descriptor
        c.encode_frame(4, 0x42),
        c.encode_frame(5, c.Command.HELLO, b"x"),
        c.encode_frame(6, c.Command.VALIDATE, payload),
    ]
    m = model()
    expected = b"".join(m.feed(f) for f in frames)
    await host.exchange(frames)
    assert_same_answers(host, 0, expected)
    before = m.stats().as_dict()
    stats = (await host.stats()).as_dict()
    for name, value in before.items():
        if name not in ("cycles", "busy_cycles"):
            assert stats[name] == value + (name == "frames_accepted"), (name, stats[name], value)


@cocotb.test()
async def bad_crc_is_nak_and_nothing_validated(dut) -> None:  # type: ignore[no-untyped-def]
    host = Host(dut)
    await host.start()
    frame = bytearray(c.encode_frame(9, c.Command.VALIDATE, descriptors(4, SEED)))
    frame[-c.TRAILER_SIZE - 1] ^= 0x01  # last payload byte
    await host.exchange([bytes(frame)])
    event = host.events[-1]
    assert isinstance(event, Frame) and event.type == c.Response.NAK and event.seq == 9
    assert event.payload == bytes([c.NakCode.BAD_CRC, c.Command.VALIDATE])
    stats = await host.stats()
    assert stats.descriptors == 0 and stats.busy_cycles == 0 and stats.rejected_bad_crc == 1


@cocotb.test()
async def garbage_and_truncated_frames_then_resync(dut) -> None:  # type: ignore[no-untyped-def]
    host = Host(dut)
    await host.start()
    rng = random.Random(SEED)
    m = model()
    garbage = bytes(rng.choice((c.LINK_START, rng.randrange(256))) for _ in range(200))
    truncated = c.encode_frame(20, c.Command.VALIDATE, descriptors(2, SEED))[:30]
    expected = m.feed(garbage + truncated) + m.timeout()
    await host.send(garbage + truncated)
    await ClockCycles(dut.clk, CFG.timeout + 20 * D)  # silence: the parser must give up and hunt
    await host.wait_events(len(FrameParser().feed(expected)))
    good = [c.encode_frame(21 + k, c.Command.VALIDATE, descriptors(5, SEED + k)) for k in range(4)]
    expected += b"".join(m.feed(f) for f in good)
    await host.exchange(good)
    assert_same_answers(host, 0, expected)
    assert any(
        e.type == c.Response.NAK and e.payload[0] == c.NakCode.TIMEOUT for e in host.events if isinstance(e, Frame)
    )
    stats = await host.stats()
    assert stats.rejected_timeout == m.stats().rejected_timeout and stats.rejected_header == m.stats().rejected_header


@cocotb.test()
async def oversize_frame_is_refused_at_the_header(dut) -> None:  # type: ignore[no-untyped-def]
    host = Host(dut)
    await host.start()
    m = model()
    big = c.encode_frame(30, c.Command.VALIDATE, descriptors(CFG.capacity + 1, SEED))
    good = c.encode_frame(31, c.Command.VALIDATE, descriptors(CFG.capacity, SEED))
    expected = m.feed(big) + m.feed(good)
    await host.send(big)
    await host.exchange([good])
    assert_same_answers(host, 0, expected)
    first = host.events[0]
    assert isinstance(first, Frame) and first.payload == bytes([c.NakCode.TOO_LONG, c.Command.VALIDATE])


@cocotb.test()
async def window_overrun_gets_busy_and_a_retry_works(dut) -> None:  # type: ignore[no-untyped-def]
    """More frames in flight than the window: the board says BUSY instead of dropping verdicts."""
    host = Host(dut)
    await host.start()
    window = CFG.window
    # Different verdicts in turn (APPROVE, REJECT, CAUTION, ...), so a batch answered from the wrong slot shows.
    risks = [("ls", c.Risk.SAFE), ("rm", c.Risk.CRITICAL), ("curl", c.Risk.MEDIUM_RISK), ("dd", c.Risk.HIGH_RISK)]
    payloads = [c.Descriptor.for_command(*risks[k % len(risks)]).encode() for k in range(window + 1)]
    # Two STATS answers (113 bytes each) keep the transmitter busy while window + 1 batches arrive.
    burst = [c.encode_frame(40, c.Command.STATS), c.encode_frame(41, c.Command.STATS)]
    burst += [c.encode_frame(42 + k, c.Command.VALIDATE, p) for k, p in enumerate(payloads)]
    await host.send(b"".join(burst))
    await host.wait_events(window + 3)
    kinds = [(e.seq, e.type) for e in host.events if isinstance(e, Frame)]
    want_kinds = [(40, 0x83), (41, 0x83), *((42 + k, 0x82) for k in range(window)), (42 + window, 0xFF)]
    assert kinds == want_kinds, kinds
    m = model()
    for k in range(2, window + 2):  # every slot in use at once: each batch must still get its own verdicts
        want = FrameParser().feed(m.feed(burst[k]))[0]
        assert host.events[k] == want, (k, host.events[k], want)
    busy = host.events[window + 2]
    assert isinstance(busy, Frame) and busy.payload == bytes([c.NakCode.BUSY, c.Command.VALIDATE])
    last = c.encode_frame(42 + window, c.Command.VALIDATE, payloads[window])
    await host.exchange([last])
    retry = host.events[-1]
    assert isinstance(retry, Frame) and retry.seq == 42 + window
    assert retry.payload == FrameParser().feed(m.feed(last))[0].payload  # type: ignore[union-attr]
    stats = await host.stats()
    assert stats.rejected_busy == 1 and stats.descriptors == window + 1


@cocotb.test()
async def uart_framing_error_is_counted_and_the_link_recovers(dut) -> None:  # type: ignore[no-untyped-def]
    host = Host(dut)
    await host.start()
    await host.send(b"\x55", stop_bit=0)
    await ClockCycles(dut.clk, 4 * D)
    m = model()
    frame = c.encode_frame(50, c.Command.VALIDATE, descriptors(2, SEED))
    await host.exchange([frame])
    assert_same_answers(host, 0, m.feed(frame))
    stats = await host.stats()
    assert stats.uart_framing_errors == 1 and stats.uart_overflows == 0
