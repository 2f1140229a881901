"""The host driver (``BoardLink``) against the link model: exact results, faults, failures."""

from __future__ import annotations

import numpy as np
import pytest

from tcphw import contract as c
from tcphw.boards import get_board
from tcphw.host.faults import FaultInjector
from tcphw.host.generate import KINDS, generate
from tcphw.host.link import BoardLink, BoardStopped, LinkError, NotABoard, StaleGateware
from tcphw.host.protocol import Hello
from tcphw.sim.board_model import BoardModel, software_verdicts
from tcphw.sim.model_port import ModelPort

CONFIG = get_board("icebreaker").virtual_config()
MIX = {kind: (len(KINDS) - 1.0 if kind == "valid" else 1.0) for kind in KINDS}


def corpus(n: int, seed: int) -> np.ndarray:
    rows, _ = generate(n, seed=seed, mix=MIX)
    return rows


def expected(rows: np.ndarray) -> np.ndarray:
    return np.frombuffer(software_verdicts(rows.tobytes()), dtype=np.uint8)


def model_link(rate: float = 0.0, seed: int = 0, port: object = None) -> BoardLink:
    third = rate / 3
    port = port or ModelPort(
        BoardModel(Hello.decode(CONFIG.hello())),
        to_board=FaultInjector(third, third, third, seed=seed),
        to_host=FaultInjector(third, third, third, seed=seed + 1),
    )
    # The model answers inside write(): no answer by the next look means none is coming.
    return BoardLink("model://", port=port, answer_timeout_s=0.0002, poll_s=0, dead_after_s=2)


def test_clean_link_gives_every_verdict_in_order_with_full_batches() -> None:
    rows = corpus(20_000, seed=1)
    with model_link() as link:
        link.connect(CONFIG.gateware_id())
        assert np.array_equal(link.validate(rows), expected(rows))
        stats = link.stats()
    assert link.counters.resends == 0 and link.counters.timeouts == 0
    assert link.counters.frames_sent == -(-20_000 // CONFIG.capacity) + 2  # batches + HELLO + STATS
    assert stats.descriptors == 20_000


@pytest.mark.slow
def test_a_million_descriptors_through_one_percent_faults_lose_nothing() -> None:
    """1% of bytes dropped, corrupted or inserted, both ways: no wrong, lost, duplicated or moved verdict."""
    rows = corpus(1_000_000, seed=2)
    with model_link(rate=0.01, seed=5) as link:
        link.connect(CONFIG.gateware_id())
        got = link.validate(rows)
    assert np.array_equal(got, expected(rows))
    counters = link.counters
    # The faults really happened, and the driver really recovered from them.
    assert counters.resends > 10_000 and sum(counters.naks.values()) > 10_000 and counters.damaged_answers > 1_000
    print(f"\n1M descriptors, 1% faults: {counters.as_dict()}")


def test_a_stale_gateware_is_refused_with_the_fix() -> None:
    with model_link() as link, pytest.raises(StaleGateware, match="make flash BOARD=icebreaker"):
        link.connect(b"\x00" * c.GATEWARE_ID_SIZE)


class _Silent:
    """A port to something that is not a tcphw board: it answers garbage, then nothing."""

    def __init__(self, garbage: bytes = b"") -> None:
        self._rx = bytearray(garbage)

    def write(self, data: bytes) -> int:
        self._rx += b"OK\r\n"  # a modem, say
        return len(data)

    @property
    def in_waiting(self) -> int:
        return len(self._rx)

    def read(self, n: int) -> bytes:
        data = bytes(self._rx[:n])
        del self._rx[:n]
        return data

    def close(self) -> None:
        pass


def test_a_port_that_is_not_a_board_is_named_as_such() -> None:
    link = BoardLink("fake://", port=_Silent(b"\x00\xff garbage"), poll_s=0)
    with pytest.raises(NotABoard, match="is it a tcphw board"):
        link.connect(hello_timeout_s=0.05)


def test_a_port_that_does_not_exist_is_a_clear_error() -> None:
    with pytest.raises(LinkError, match="cannot open /dev/ttyNOPE"):
        BoardLink("/dev/ttyNOPE")


class _DiesAfter(ModelPort):
    """The board answers the first ``frames`` writes, then stops (unplugged)."""

    def __init__(self, frames: int) -> None:
        super().__init__(BoardModel(Hello.decode(CONFIG.hello())))
        self.left = frames

    def write(self, data: bytes) -> int:
        self.left -= 1
        return super().write(data) if self.left >= 0 else len(data)


def test_a_board_that_stops_mid_run_keeps_the_confirmed_prefix() -> None:
    rows = corpus(5 * CONFIG.capacity, seed=3)
    link = BoardLink("model://", port=_DiesAfter(1 + 3), answer_timeout_s=0.01, poll_s=0, dead_after_s=0.2)
    link.connect(CONFIG.gateware_id())
    with pytest.raises(BoardStopped, match="verdicts were confirmed") as stop:
        link.validate(rows)
    done = stop.value.verdicts
    assert len(done) == 3 * CONFIG.capacity  # three batches answered, in order
    assert np.array_equal(done, expected(rows)[: len(done)])
