"""Link protocol v1: framing, the reference parser, payload layouts and the board model."""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import pytest

from tcphw import contract as c
from tcphw.contract.link import BadFrame, Frame, FrameParser, HeaderRejected, Hello, Stats
from tcphw.hdl.top import LinkConfig
from tcphw.sim.link.model import BoardModel

DOC = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"
CONFIG = LinkConfig(board="test", clock_hz=4_000_000, baud=1_000_000, capacity=8)


def descriptor(name: str = "ls", risk: c.Risk = c.Risk.SAFE) -> bytes:
    return c.Descriptor.for_command(name, risk).encode()


def test_frame_layout_matches_the_document_example() -> None:
    assert c.encode_frame(5, c.Command.HELLO).hex(" ") == "aa 05 01 00 00 0f b5 6c 42 fc e0"
    frame = c.encode_frame(6, c.Command.VALIDATE, descriptor())
    assert len(frame) == c.FRAME_OVERHEAD + c.DESCRIPTOR_SIZE == 35
    assert frame[:5] == bytes([0xAA, 6, 2, 0, 24])
    assert c.crc16(frame[1:5]) == int.from_bytes(frame[5:7], "big")
    assert zlib.crc32(frame[1:-4]) == int.from_bytes(frame[-4:], "little")
    text = DOC.read_text()
    for line in (
        "aa 05 01 00 00 0f b5 6c 42 fc e0",
        "aa 06 82 00 01 e6 42 00 67 b9 58 7a",
        "aa 07 ff 00 02 3a cc 01 02 ac e8 27 77",
        "48 eb 80 32",
    ):
        assert line in text


def test_the_document_names_every_code_and_field() -> None:
    text = DOC.read_text()
    for code in c.NakCode:
        assert f"`0x{code:02X}` | {code.name}" in text
    for field in (*c.HELLO_FIELDS, *c.STATS_FIELDS):
        assert f"| {field.name} |" in text, field.name
    assert f"HELLO payload ({c.HELLO_SIZE} bytes)" in text and f"STATS payload ({c.STATS_SIZE} bytes)" in text


def test_encode_frame_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="sequence number"):
        c.encode_frame(256, 1)
    with pytest.raises(ValueError, match="16-bit LEN"):
        c.encode_frame(0, 2, bytes(70000))


def test_parser_reassembles_frames_fed_one_byte_at_a_time() -> None:
    frames = [c.encode_frame(k, c.Command.VALIDATE, descriptor() * (k + 1)) for k in range(5)]
    parser = FrameParser()
    events = [e for byte in b"".join(frames) for e in parser.feed(bytes([byte]))]
    assert events == [Frame(k, c.Command.VALIDATE, descriptor() * (k + 1)) for k in range(5)]


def test_parser_flags_a_damaged_payload_and_resyncs() -> None:
    bad = bytearray(c.encode_frame(1, c.Command.VALIDATE, descriptor()))
    bad[10] ^= 0x80
    events = FrameParser().feed(bytes(bad) + c.encode_frame(2, c.Command.HELLO))
    assert events == [BadFrame(1, c.Command.VALIDATE, c.NakCode.BAD_CRC), Frame(2, c.Command.HELLO, b"")]


def test_a_false_start_does_not_swallow_the_real_frame() -> None:
    # 0xAA then the real frame: the false header fails its CRC, and its bytes are hunted again.
    good = c.encode_frame(3, c.Command.STATS)
    events = FrameParser().feed(b"\xaa" + good)
    assert events == [HeaderRejected(), Frame(3, c.Command.STATS, b"")]


def test_too_long_is_refused_at_the_header() -> None:
    parser = FrameParser(max_payload=24)
    events = parser.feed(c.encode_frame(4, c.Command.VALIDATE, descriptor() * 2)[: c.HEADER_SIZE])
    assert events == [BadFrame(4, c.Command.VALIDATE, c.NakCode.TOO_LONG)]
    assert not parser.in_frame


def test_timeout_drops_the_frame_in_progress() -> None:
    parser = FrameParser()
    frame = c.encode_frame(5, c.Command.VALIDATE, descriptor())
    assert parser.feed(frame[:10]) == []
    assert parser.timeout() == [BadFrame(5, c.Command.VALIDATE, c.NakCode.TIMEOUT)]
    assert parser.feed(frame[:3]) == [] and parser.timeout() == [HeaderRejected(timed_out=True)]
    assert parser.timeout() == []
    assert parser.feed(frame) == [Frame(5, c.Command.VALIDATE, descriptor())]


def test_random_garbage_never_yields_a_frame_and_good_frames_still_pass() -> None:
    rng = random.Random(7)
    parser = FrameParser()
    for _ in range(200):
        garbage = bytes(rng.choice((0xAA, rng.randrange(256))) for _ in range(rng.randrange(1, 60)))
        events = parser.feed(garbage)
        assert not any(isinstance(e, Frame) for e in events)
        parser.timeout()  # the line goes quiet after the garbage
        frame = c.encode_frame(rng.randrange(256), c.Command.HELLO)
        assert parser.feed(frame)[-1] == Frame(frame[1], c.Command.HELLO, b"")


def test_hello_and_stats_round_trip() -> None:
    hello = Hello.decode(CONFIG.hello())
    assert hello.board == "test" and hello.capacity == 8 and hello.max_payload == 8 * c.DESCRIPTOR_SIZE
    assert hello.encode() == CONFIG.hello() and hello.gateware_id == CONFIG.gateware_id()
    stats = Stats(*range(1, len(c.STATS_FIELDS) + 1))
    assert Stats.decode(stats.encode()) == stats and len(stats.encode()) == c.STATS_SIZE
    with pytest.raises(ValueError, match="42 bytes"):
        Hello.decode(b"\x01")


def test_gateware_id_follows_the_design_parameters() -> None:
    other = LinkConfig(board="test", clock_hz=4_000_000, baud=1_000_000, capacity=16)
    same = LinkConfig(board="test", clock_hz=4_000_000, baud=1_000_000, capacity=8)
    assert CONFIG.gateware_id() == same.gateware_id()
    assert other.gateware_id() != CONFIG.gateware_id()


def test_gateware_id_follows_the_elaborated_logic_not_a_file_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same parameters, different logic (a deeper answer queue): another ID. The ID is computed from
    the elaborated RTLIL, so no module can be left out of it by a hand-kept list."""
    import tcphw.hdl.top as top
    from tcphw.hdl.identity import PLACEHOLDER, design_digest

    params = CONFIG.parameters()
    before = design_digest(params, lambda: top.BoardTop(CONFIG, identity=PLACEHOLDER))
    assert before == CONFIG.gateware_id()  # what the cache returns is what elaboration gives
    monkeypatch.setattr(top, "ANSWER_QUEUE_DEPTH", top.ANSWER_QUEUE_DEPTH * 2)
    assert design_digest(params, lambda: top.BoardTop(CONFIG, identity=PLACEHOLDER)) != before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baud": 1_100_000}, "off"),
        ({"clock_hz": 2_000_000}, "too slow"),
        ({"lanes": 3}, "lanes"),
        ({"capacity": 7, "lanes": 2}, "multiple of lanes"),
        ({"board": "x" * 17}, "longer than"),
        ({"window": 0}, "window must be 1..255"),
        ({"window": 256}, "a byte in HELLO"),
    ],
)
def test_link_config_refuses_designs_that_cannot_work(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    args = {"board": "test", "clock_hz": 4_000_000, "baud": 1_000_000, **kwargs}
    with pytest.raises(ValueError, match=message):
        LinkConfig(**args)


def test_board_model_answers_every_kind_of_frame() -> None:
    model = BoardModel(Hello.decode(CONFIG.hello()), verdicts=lambda p: bytes(len(p) // 24))
    answers = FrameParser().feed(
        model.feed(
            c.encode_frame(1, c.Command.HELLO)
            + c.encode_frame(2, c.Command.VALIDATE, descriptor() * 3)
            + c.encode_frame(3, c.Command.VALIDATE, b"x" * 23)
            + c.encode_frame(4, 0x42)
            + c.encode_frame(5, c.Command.STATS, b"?")
            + c.encode_frame(6, c.Command.VALIDATE, descriptor() * 9)[: c.HEADER_SIZE]
            + c.encode_frame(7, c.Command.STATS)
        )
    )
    assert [(a.seq, a.type) for a in answers if isinstance(a, Frame)] == [
        (1, 0x81), (2, 0x82), (3, 0xFF), (4, 0xFF), (5, 0xFF), (6, 0xFF), (7, 0x83)
    ]  # fmt: skip
    naks = [a.payload for a in answers if isinstance(a, Frame) and a.type == c.Response.NAK]
    assert naks == [bytes([3, 2]), bytes([4, 0x42]), bytes([3, 3]), bytes([2, 2])]
    stats = Stats.decode(answers[-1].payload)  # type: ignore[union-attr]
    assert stats.descriptors == 3 and stats.frames_accepted == 3 and stats.rejected_bad_length == 2
    assert stats.rejected_unknown_command == 1 and stats.rejected_too_long == 1


def test_model_verdicts_come_from_the_software_backend() -> None:
    model = BoardModel(Hello.decode(CONFIG.hello()))
    payload = descriptor("ls", c.Risk.SAFE) + descriptor("rm", c.Risk.CRITICAL)
    answer = FrameParser().feed(model.feed(c.encode_frame(9, c.Command.VALIDATE, payload)))[0]
    assert isinstance(answer, Frame) and answer.payload == bytes([0x00, 0xC0])
