"""Pin-level cocotb tests of the whole board top (``make sim TARGET=top``), one per lane count.

The run covers HELLO, VALIDATE of every batch size 1..capacity against the ``software``
backend, STATS, bad CRC, garbage and truncated frames, an oversize frame, window overrun
(BUSY and retry) and a UART framing error; ``sim/link/top_tb.py`` has the details.
"""

from __future__ import annotations

import os

import pytest

from tcphw.sim.runner import run_top_sim, sim_link_config

from .conftest import require_simulator

SIM = os.environ.get("SIM") or "verilator"
TOP_TESTS = 8


@pytest.fixture(scope="module", autouse=True)
def simulator() -> None:
    require_simulator(SIM)


@pytest.mark.slow
# Four lanes: batches that end part-way through a row of the banks. One lane (the iCEBreaker's)
# runs through the same top in tests/test_virtual_board.py and tests/test_rfc2217.py.
@pytest.mark.parametrize("lanes", [4])
def test_board_top_at_pin_level(lanes: int) -> None:
    result = run_top_sim(sim_link_config(lanes), simulator=SIM)
    assert result.tests == TOP_TESTS, f"{result.tests} of {TOP_TESTS} tests ran; see {result.results_xml}"
    assert result.failed == 0, f"{result.failed} of {result.tests} cocotb tests failed; see {result.results_xml}"
