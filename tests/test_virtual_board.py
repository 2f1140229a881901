"""The virtual board: the iCEBreaker's board top in Verilator behind socket://, driven by the
real host driver: agreement with software, faults through the link proxy, failures."""

from __future__ import annotations

import numpy as np
import pytest

from tcphw.boards import get_board
from tcphw.contract import UART_FRAME_BITS
from tcphw.descriptors.generate import KINDS, generate
from tcphw.descriptors.golden import golden_arrays
from tcphw.host.backends import open_backend
from tcphw.host.link import BoardLink, BoardStopped, StaleGateware
from tcphw.host.link.faults import FaultInjector
from tcphw.host.link.proxy import LinkProxy
from tcphw.sim.link.model import software_verdicts
from tcphw.sim.virtual_board import VirtualBoard

BOARD = get_board("icebreaker")
MIX = {kind: (len(KINDS) - 1.0 if kind == "valid" else 1.0) for kind in KINDS}


def expected(rows: np.ndarray) -> np.ndarray:
    return np.frombuffer(software_verdicts(rows.tobytes()), dtype=np.uint8)


@pytest.mark.slow
def test_board_backend_agrees_with_software_on_golden_and_random_inputs() -> None:
    golden, golden_verdicts = golden_arrays()
    rows, _ = generate(5_000, seed=7, mix=MIX)
    with open_backend("board") as board:
        info = board.info()
        assert info["virtual"] and info["hello"]["board"] == "icebreaker"
        assert np.array_equal(board.validate(golden), golden_verdicts)
        assert np.array_equal(board.validate(rows), expected(rows))
        stats = board.link.stats()  # type: ignore[attr-defined]
    assert stats.descriptors == len(golden) + len(rows) and stats.rejected_bad_crc == 0


@pytest.mark.slow
def test_virtual_board_through_one_percent_faults_loses_nothing() -> None:
    """Faults on a real socket between the driver and the gateware: every verdict right, once, in order."""
    rows, _ = generate(20_000, seed=8, mix=MIX)
    third = 0.01 / 3
    with (
        VirtualBoard(BOARD) as board,
        LinkProxy(
            board.url,
            to_board=FaultInjector(third, third, third, seed=1),
            to_host=FaultInjector(third, third, third, seed=2),
        ) as proxy,
        BoardLink(proxy.url, baud=board.config.baud, min_answer_timeout_s=0.01, poll_s=0.0005) as link,
    ):
        link.connect(board.config.gateware_id(), hello_timeout_s=0.5)
        got = link.validate(rows)
        assert np.array_equal(got, expected(rows))
        stats = link.stats()
    # The faults really happened both ways, the board saw them, and the driver recovered from them.
    assert sum(proxy.to_board.counts.values()) > 1_000 and sum(proxy.to_host.counts.values()) > 100
    assert stats.rejected_bad_crc > 1_000 and stats.rejected_header > 100
    assert link.counters.resends > 1_000 and link.counters.damaged_answers > 100
    print(f"\n20k descriptors through the virtual board, 1% faults: {link.counters.as_dict()}; board: {stats}")


@pytest.mark.slow
def test_stale_gateware_and_a_board_that_dies_mid_run() -> None:
    rows, _ = generate(4 * BOARD.capacity, seed=9)
    with VirtualBoard(BOARD) as board:
        stale = pytest.raises(StaleGateware, match="tcphw flash icebreaker")
        with BoardLink(board.url, baud=board.config.baud) as link, stale:
            link.connect(BOARD.link_config().gateware_id())  # the real board's ID: not this gateware
        link = BoardLink(board.url, baud=board.config.baud, dead_after_s=1.0)
        link.connect(board.config.gateware_id())
        first = link.validate(rows[: BOARD.capacity])
        board.stop()  # unplugged
        # What `tcphw board serve` reports on exit: the cycles it simulated and the wall time they took.
        assert board.cycles and board.busy_seconds and board.cycles / board.busy_seconds > 0
        with pytest.raises(BoardStopped, match=r"0 of 1,024 verdicts were confirmed") as stop:
            link.validate(rows)
        assert len(stop.value.verdicts) == 0
        link.close()
    assert np.array_equal(first, expected(rows[: BOARD.capacity]))


@pytest.mark.slow
def test_bench_reports_the_boards_own_figures() -> None:
    from tcphw.host.apps.bench import BenchPlan, run_bench, wire_limit_dps

    rows, _ = generate(1_000, seed=10)
    doc = run_bench(rows, BenchPlan(["board", "software"], repeat=2, warmup=0))
    assert doc["agreement"]["mismatches"] == 0
    board = doc["results"][0]["board"]
    assert board["virtual"] and board["descriptors"] == 2 * 1_000
    # One lane at 36 MHz: at most 36 M/s, and close to it (a few cycles of start-up per batch).
    assert 0.8 * 36e6 < board["fabric_dps"] <= 36e6
    assert board["link_bound_dps"] == pytest.approx(wire_limit_dps(3_000_000, BOARD.capacity))
    sim = board["simulation"]
    assert 0.5 < sim["link_efficiency"] <= 1.0 and sim["projected_real_board_dps"] <= board["link_bound_dps"]
    # The model's speed is the simulated time over the wall time: every simulated cycle costs wall time.
    assert sim["model_cycles_per_s"] == pytest.approx(sim["simulated_seconds"] * sim["clock_hz"] / sim["wall_seconds"])
    assert sim["model_cycles_per_s"] > 0
    trip = board["round_trip"]
    assert trip["batch"] == BOARD.capacity and trip["samples"] >= 4
    # No faster than the batch's bytes at the virtual UART's baud (the simulator runs slower than real time).
    wire_s = (BOARD.capacity * 25 + 22) * UART_FRAME_BITS / sim["uart_baud"]
    assert wire_s < trip["median_s"] <= trip["worst_s"] and trip["stddev_s"] >= 0


def test_the_one_eval_a_cycle_rewrite_takes_every_clocked_block_or_refuses() -> None:
    from amaranth.back import verilog

    from tcphw.hdl.top import BoardTop
    from tcphw.sim.virtual_board import BOTH_EDGES, POSEDGE, VirtualBoardError, both_edges

    text = str(verilog.convert(BoardTop(BOARD.virtual_config()), name="tcphw_board", emit_src=False))
    clocked = text.count("always @(")
    assert clocked > 100 and text.count(POSEDGE) == clocked  # the board top as exported today
    rewritten = both_edges(text)
    assert rewritten.count(BOTH_EDGES) == clocked and rewritten.count("always @(") == clocked
    # One block on another clock or edge would then run at the wrong rate: refused, not rewritten.
    for other in ("always @(posedge clk2)", "always @(negedge clk)"):
        with pytest.raises(VirtualBoardError, match="other than"):
            both_edges(text.replace(POSEDGE, other, 1))
