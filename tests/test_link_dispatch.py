"""The frame dispatcher in the Amaranth simulator, answer for answer against the link model.

Frames of every kind go through the contract's ``FrameParser`` (the receiver's Python reference);
each event drives the gateware dispatcher and the link model (``tcphw.sim.link.model``), and the
two must queue the same answer (type, sequence number, NAK code, verdict count) and count it in
the same STATS counter. No Verilator build: a change to the link's rules is checked in seconds.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from typing import Any

import pytest
from amaranth.sim import Simulator

from tcphw import contract as c
from tcphw.contract.link import BadFrame, Frame, FrameParser, HeaderRejected, Hello
from tcphw.hdl.link import dispatch
from tcphw.hdl.link.dispatch import COUNTERS, DEFAULT_WINDOW, Dispatcher
from tcphw.hdl.link.rx import EventKind
from tcphw.sim.link.model import BoardModel

CAPACITY = 8
ANSWER_FIELDS = ("seq", "type", "count", "code", "nak_type", "slot")
Event = Frame | BadFrame | HeaderRejected


def _hello() -> Hello:
    return Hello(
        protocol_version=c.PROTOCOL_VERSION, gateware_id=bytes(8), board="test", lanes=1, pipeline=2,
        capacity=CAPACITY, window=DEFAULT_WINDOW, clock_hz=12_000_000, baud=1_000_000, timeout_cycles=1000,
    )  # fmt: skip


def _frames(rng: random.Random, count: int) -> list[bytes | None]:
    """Frames of every kind a host (or a noisy line) sends; ``None`` is a quiet line (the timeout)."""
    out: list[bytes | None] = []
    for seq in range(count):
        seq %= c.SEQ_MODULO
        kind = rng.choice(["hello", "stats", "validate", "validate", "unknown", "bad_length", "too_long",
                           "bad_fcrc", "bad_hcrc", "cut"])  # fmt: skip
        if kind == "hello":
            out.append(c.encode_frame(seq, c.Command.HELLO))
        elif kind == "stats":
            out.append(c.encode_frame(seq, c.Command.STATS))
        elif kind == "validate":
            out.append(
                c.encode_frame(seq, c.Command.VALIDATE, rng.randbytes(c.DESCRIPTOR_SIZE * rng.randint(1, CAPACITY)))
            )
        elif kind == "unknown":
            commands = {int(x) for x in c.Command}
            out.append(c.encode_frame(seq, rng.choice([t for t in range(0x7F) if t not in commands])))
        elif kind == "bad_length":
            command = rng.choice(list(c.Command))
            size = rng.choice([1, 23, 25]) if command == c.Command.VALIDATE else rng.randint(1, 30)
            if command == c.Command.VALIDATE and rng.random() < 0.3:
                size = 0
            out.append(c.encode_frame(seq, command, rng.randbytes(size)))
        elif kind == "too_long":
            out.append(c.encode_frame(seq, c.Command.VALIDATE, bytes(c.DESCRIPTOR_SIZE * (CAPACITY + 1))))
        elif kind == "bad_fcrc":
            frame = bytearray(c.encode_frame(seq, c.Command.VALIDATE, rng.randbytes(c.DESCRIPTOR_SIZE)))
            frame[-1] ^= 1 << rng.randrange(8)
            out.append(bytes(frame))
        elif kind == "bad_hcrc":
            frame = bytearray(c.encode_frame(seq, c.Command.HELLO))
            frame[c.HEADER_SIZE - 1] ^= 1 << rng.randrange(8)
            out.append(bytes(frame))
        else:  # the line goes quiet inside a header or a payload
            whole = c.encode_frame(seq, c.Command.VALIDATE, rng.randbytes(c.DESCRIPTOR_SIZE))
            out.append(whole[: rng.randrange(1, len(whole) - 1)])
            out.append(None)
    return out


def _events(frames: Sequence[bytes | None]) -> list[Event]:
    parser = FrameParser(max_payload=CAPACITY * c.DESCRIPTOR_SIZE)
    events: list[Event] = []
    for frame in frames:
        events += parser.timeout() if frame is None else parser.feed(frame)
    return events


def _drive(event: Event) -> dict[str, int]:
    """The receiver's event fields for ``event``: what ``hdl/link/rx.py`` hands the dispatcher."""
    if isinstance(event, HeaderRejected):
        return {"kind": EventKind.HEADER_TIMEOUT if event.timed_out else EventKind.HEADER_ERROR}
    if isinstance(event, BadFrame):
        return {"kind": EventKind.NAK, "code": event.reason, "seq": event.seq, "type": event.type}
    size = len(event.payload)
    known = event.type in {int(x) for x in c.Command}
    descriptor_command = event.type == c.Command.VALIDATE
    whole = size > 0 and size % c.DESCRIPTOR_SIZE == 0
    return {
        "kind": EventKind.FRAME, "seq": event.seq, "type": event.type, "length": size,
        "descriptors": size // c.DESCRIPTOR_SIZE if whole else 0, "aligned": int(size % c.DESCRIPTOR_SIZE == 0),
        "known": int(known), "length_ok": int(whole if descriptor_command else size == 0),
    }  # fmt: skip


def _model_answer(model: BoardModel, event: Event) -> tuple[dict[str, int] | None, set[str]]:
    """The model's answer (as the dispatcher's answer fields) and the counters it bumped."""
    before = dict(model.counts)
    raw = model._answer(event)
    bumped = {k for k, v in model.counts.items() if v != before.get(k, 0) and k != "descriptors"}
    if not raw:
        return None, bumped
    (frame,) = FrameParser(max_payload=c.MAX_LEN_FIELD).feed(raw)
    assert isinstance(frame, Frame)
    answer = {"seq": frame.seq, "type": frame.type}
    if frame.type == c.Response.NAK:
        answer |= {"code": frame.payload[0], "nak_type": frame.payload[1]}
    elif frame.type == c.Response.VERDICTS:
        answer["count"] = len(frame.payload)
    return answer, bumped


def _run(dut: Dispatcher, bench: Any) -> None:
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def _simulate(
    events: list[Event], queue_ready: list[bool], free_slots: bool, window: int = DEFAULT_WINDOW
) -> list[dict[str, Any]]:
    """Each event for one cycle; what the dispatcher queued and bumped in that cycle."""
    dut = Dispatcher(capacity=CAPACITY, slots=window)
    seen: list[dict[str, Any]] = []

    async def bench(ctx: Any) -> None:
        for event, ready in zip(events, queue_ready, strict=True):
            fields = {"kind": 0, "code": 0, "seq": 0, "type": 0, "length": 0, "descriptors": 0, "aligned": 0,
                      "known": 0, "length_ok": 0} | _drive(event)  # fmt: skip
            for name, value in fields.items():
                ctx.set(getattr(dut.event.payload, name), int(value))
            ctx.set(dut.event.valid, 1)
            ctx.set(dut.queue.room, int(ready))
            answer = {
                name: ctx.get(getattr(dut.queue.answer.payload, name))
                for name in ("seq", "type", "count", "code", "nak_type", "slot")
            }
            seen.append({
                "write": ctx.get(dut.queue.answer.valid), "answer": answer, "start": ctx.get(dut.start.valid),
                "start_count": ctx.get(dut.start.payload.count), "start_slot": ctx.get(dut.start.payload.slot),
                "bumped": {name for name in COUNTERS if ctx.get(getattr(dut.bump, name))},
            })  # fmt: skip
            await ctx.tick()
            ctx.set(dut.event.valid, 0)
            if free_slots and seen[-1]["start"]:  # the verdicts went out: the slot is free again
                ctx.set(dut.freed.valid, 1)
                ctx.set(dut.freed.payload, seen[-1]["start_slot"])
                await ctx.tick()
                ctx.set(dut.freed.valid, 0)

    _run(dut, bench)
    return seen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_dispatcher_answers_as_the_model_does(seed: int) -> None:
    events = _events(_frames(random.Random(seed), 300))
    kinds = {type(e).__name__ for e in events}
    assert kinds == {"Frame", "BadFrame", "HeaderRejected"}, kinds  # every path is exercised
    model = BoardModel(_hello(), verdicts=lambda payload: bytes(len(payload) // c.DESCRIPTOR_SIZE))
    seen = _simulate(events, [True] * len(events), free_slots=True)
    answered = 0
    for event, got in zip(events, seen, strict=True):
        want, bumped = _model_answer(model, event)
        assert got["bumped"] == bumped, (event, got, bumped)
        assert bool(got["write"]) == (want is not None), (event, got, want)
        if want is not None:
            answered += 1
            assert {k: got["answer"][k] for k in want} == want, (event, got["answer"], want)
            assert bool(got["start"]) == (want["type"] == c.Response.VERDICTS)
            if got["start"]:
                assert got["start_count"] == want["count"]
    assert answered > 200


@pytest.mark.parametrize("window", [1, 2, 4])
def test_busy_when_every_slot_is_taken_or_the_queue_is_full(window: int) -> None:
    # Outside the model's domain (it has no clock and no slots): a host past the HELLO window.
    batch = c.encode_frame(0, c.Command.VALIDATE, bytes(c.DESCRIPTOR_SIZE))
    events = _events([batch] * (window + 1) + [c.encode_frame(1, c.Command.HELLO)] * 2)
    seen = _simulate(events, [True] * (window + 2) + [False], free_slots=False, window=window)
    for i in range(window):  # each batch takes its own slot, the lowest free one
        assert seen[i]["start"] and seen[i]["start_slot"] == i and seen[i]["bumped"] == {"frames_accepted"}
        assert seen[i]["answer"]["slot"] == i
    nak = seen[window]  # no slot left: NAK BUSY, no batch started
    assert nak["write"] and not nak["start"] and nak["bumped"] == {"rejected_busy"}
    assert nak["answer"]["type"] == c.Response.NAK and nak["answer"]["code"] == c.NakCode.BUSY
    assert seen[-2]["write"] and seen[-2]["answer"]["type"] == c.Response.HELLO  # HELLO needs no slot
    assert not seen[-1]["write"] and seen[-1]["bumped"] == {"rejected_busy"}  # queue full: dropped, counted


def test_a_freed_slot_is_taken_again() -> None:
    # Slot 0 freed while slot 1 is busy: the next batch goes to slot 0, and the one after to slot 2.
    dut = Dispatcher(capacity=CAPACITY, slots=4)
    starts: list[int] = []

    async def bench(ctx: Any) -> None:
        def start() -> None:
            event = dut.event.payload
            ctx.set(event.kind, EventKind.FRAME)
            ctx.set(event.type, c.Command.VALIDATE)
            ctx.set(event.descriptors, 1)
            ctx.set(event.known, 1)
            ctx.set(event.length_ok, 1)
            ctx.set(dut.event.valid, 1)
            ctx.set(dut.queue.room, 1)

        for step in range(4):
            start()
            assert ctx.get(dut.start.valid)
            starts.append(ctx.get(dut.start.payload.slot))
            ctx.set(dut.freed.valid, step == 1)  # slot 0's verdicts go out as the second batch starts
            ctx.set(dut.freed.payload, 0)
            await ctx.tick()
            ctx.set(dut.freed.valid, 0)

    _run(dut, bench)
    assert starts == [0, 1, 0, 2]


@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_a_command_the_gateware_does_not_handle_fails_elaboration(monkeypatch: pytest.MonkeyPatch) -> None:
    members = [(x.name, int(x)) for x in c.Command] + [("RESET", 0x04)]
    extended = enum.IntEnum("Command", members)  # type: ignore[misc]
    monkeypatch.setattr(dispatch, "Command", extended)
    with pytest.raises(NotImplementedError, match="RESET"):
        Simulator(Dispatcher(capacity=CAPACITY))


def test_the_dispatcher_keeps_the_contracts_of_its_streams_that_cannot_wait() -> None:
    # What connect() cannot check: the queue's write side has no ready, so the dispatcher must never offer an
    # answer without room; every batch it starts has its VERDICTS answer queued in the same cycle, into a
    # slot no unanswered batch holds. Random events, room and freed slots, checked every cycle.
    rng = random.Random(5)
    events = _events(_frames(rng, 200))
    dut = Dispatcher(capacity=CAPACITY, slots=2)
    held: set[int] = set()
    checked = {"no_room": 0, "started": 0}

    async def bench(ctx: Any) -> None:
        for event in events:
            fields = {"kind": 0, "code": 0, "seq": 0, "type": 0, "length": 0, "descriptors": 0, "aligned": 0,
                      "known": 0, "length_ok": 0} | _drive(event)  # fmt: skip
            for name, value in fields.items():
                ctx.set(getattr(dut.event.payload, name), int(value))
            room = rng.random() < 0.7
            ctx.set(dut.event.valid, 1)
            ctx.set(dut.queue.room, room)
            freed = sorted(held)[0] if held and rng.random() < 0.3 else None
            ctx.set(dut.freed.valid, freed is not None)
            ctx.set(dut.freed.payload, freed or 0)
            offered = ctx.get(dut.queue.answer.valid)
            assert room or not offered, "an answer offered with no room in the queue"
            checked["no_room"] += not room
            if ctx.get(dut.start.valid):
                slot = ctx.get(dut.start.payload.slot)
                assert offered and ctx.get(dut.queue.answer.payload.type) == c.Response.VERDICTS
                assert ctx.get(dut.queue.answer.payload.slot) == slot
                assert slot not in held, f"batch started in slot {slot}, which an unanswered batch holds"
                held.add(slot)
                checked["started"] += 1
            if freed is not None:
                held.discard(freed)
            await ctx.tick()

    _run(dut, bench)
    assert checked["no_room"] > 30 and checked["started"] > 20, checked


@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_a_stats_field_that_nothing_counts_fails_elaboration(monkeypatch: pytest.MonkeyPatch) -> None:
    from tcphw.hdl import top

    config = top.LinkConfig(board="sim", clock_hz=4_000_000, baud=1_000_000, capacity=16, timeout_cycles=4000)
    top.BoardTop(config, identity=bytes(8)).elaborate(None)  # the top's connects and counters, as built
    monkeypatch.setattr(top, "STATS_FIELDS", (*c.STATS_FIELDS, c.WireField("resets", "Q", "a new counter")))
    with pytest.raises(ValueError, match=r"nothing counts: \['resets'\]"):
        top.BoardTop(config, identity=bytes(8)).elaborate(None)
