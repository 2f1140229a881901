"""The validator gateware at the Amaranth level: CRC derivation, parameters, Python-simulator runs, export."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import numpy as np
import pytest
from amaranth.hdl import ClockDomain, Module
from amaranth.lib.crc import catalog
from amaranth.sim import Simulator
from click.testing import CliRunner

from tcphw.contract import (
    CRC_CHECK,
    CRC_INIT,
    CRC_POLY,
    CRC_REFLECT_IN,
    CRC_REFLECT_OUT,
    CRC_WIDTH,
    CRC_XOR_OUT,
    crc16,
)
from tcphw.descriptors.generate import generate
from tcphw.hdl.crc_matrix import crc_by_taps, crc_taps
from tcphw.hdl.export import export_verilog
from tcphw.hdl.spec import symbolic_crc
from tcphw.hdl.validator import Validator
from tcphw.host.backends import open_backend
from tcphw.host.cli import main


def test_contract_crc_is_amaranths_crc16_ibm_3740() -> None:
    algo = catalog.CRC16_IBM_3740
    assert (algo.crc_width, algo.polynomial, algo.initial_crc) == (CRC_WIDTH, CRC_POLY, CRC_INIT)
    assert (algo.reflect_input, algo.reflect_output, algo.xor_output) == (CRC_REFLECT_IN, CRC_REFLECT_OUT, CRC_XOR_OUT)
    assert algo().compute(b"123456789") == CRC_CHECK


def test_tap_matrix_and_symbolic_loop_agree_with_crc16() -> None:
    rng = random.Random(3)
    sym = symbolic_crc()
    assert [len(s) for _, s in sym] == [len(t) for t in crc_taps()]
    for _ in range(300):
        data = rng.randbytes(22)
        bits = int.from_bytes(data, "little")
        by_symbols = sum((c ^ (sum(bits >> t & 1 for t in s) & 1)) << j for j, (c, s) in enumerate(sym))
        assert crc_by_taps(data) == by_symbols == crc16(data)


@pytest.mark.parametrize(("lanes", "pipeline"), [(0, 2), (3, 2), (1, 9), (1, -1)])
def test_bad_parameters_are_refused(lanes: int, pipeline: int) -> None:
    with pytest.raises(ValueError, match=r"lanes|pipeline"):
        Validator(lanes, pipeline)


def simulate(dut: Validator, descriptors: np.ndarray, stall_every: int = 0) -> tuple[list[int], list[int]]:
    """Drive the core in Amaranth's simulator; return verdicts and per-transfer latencies."""
    groups = [descriptors[i : i + dut.lanes].tobytes() for i in range(0, len(descriptors), dut.lanes)]
    verdicts: list[int] = []
    accepted: list[int] = []
    latencies: list[int] = []

    async def bench(ctx) -> None:  # type: ignore[no-untyped-def]
        sent, cycle = 0, 0
        while len(latencies) < len(groups):
            cycle += 1
            ready = not (stall_every and cycle % stall_every == 0)
            ctx.set(dut.o.ready, ready)
            if sent < len(groups):
                ctx.set(dut.i.valid, 1)
                ctx.set(dut.i.payload.as_value(), int.from_bytes(groups[sent], "little"))
            else:
                ctx.set(dut.i.valid, 0)
            if sent < len(groups) and ctx.get(dut.i.ready):
                accepted.append(cycle)
                sent += 1
            if ctx.get(dut.o.valid) and ready:
                v = ctx.get(dut.o.payload.as_value())
                verdicts.extend((v >> (8 * n)) & 0xFF for n in range(dut.lanes))
                latencies.append(cycle - accepted[len(latencies)])
            await ctx.tick()
            assert cycle < 20 * len(groups) + 20, "no progress"

    top = Module()
    top.domains.sync = ClockDomain()  # pipeline=0 has no registers, so no domain of its own
    top.submodules.dut = dut
    sim = Simulator(top)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return verdicts, latencies


@pytest.mark.parametrize(("lanes", "pipeline"), [(1, 0), (1, 1), (2, 3), (4, 5)])
def test_python_simulation_matches_software(lanes: int, pipeline: int, golden_array) -> None:  # type: ignore[no-untyped-def]
    data, expected = golden_array
    rand, _ = generate(64, seed=lanes * 10 + pipeline)
    data = np.concatenate([data, rand])[: (len(data) + 64) // lanes * lanes]
    with open_backend("software:threads=1") as sw:
        want = sw.validate(data)
    assert (want[: len(expected)] == expected[: len(want)]).all()
    got, latencies = simulate(Validator(lanes, pipeline), data)
    assert got == want.tolist()
    assert set(latencies) == {pipeline}


def test_python_simulation_with_backpressure(golden_array) -> None:  # type: ignore[no-untyped-def]
    data, expected = golden_array
    got, _ = simulate(Validator(1, 2), data, stall_every=3)
    assert got == expected.tolist()


def test_export_header_documents_the_interface() -> None:
    text = export_verilog(2, 3, top="my_validator")
    header = text.split("module", 1)[0]
    for needle in ("lanes=2", "pipeline=3", "Latency    : 3 clock cycles", "i__payload[383:0]", "o__payload[15:0]"):
        assert needle in header
    ports = set(re.findall(r"^\s*(?:input|output)\s+(?:\[\d+:0\]\s+)?(\w+);", text, re.M))
    assert ports == {"clk", "rst", "i__valid", "i__ready", "i__payload", "o__valid", "o__ready", "o__payload"}
    assert re.search(r"^module my_validator\(", text, re.M)


def test_cli_export(tmp_path: Path) -> None:
    out = tmp_path / "v.v"
    r = CliRunner().invoke(main, ["export", "--lanes", "4", "--pipeline", "1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "lanes=4" in out.read_text().splitlines()[3]
    r = CliRunner().invoke(main, ["export", "--lanes", "3", "--out", str(out)])
    assert r.exit_code == 2 and "3" in r.output
    r = CliRunner().invoke(main, ["export", "--top", "9bad", "--out", str(out)])
    assert r.exit_code == 2 and "not a valid Verilog module name" in r.output
    if os.geteuid() != 0:  # root can write anywhere
        r = CliRunner().invoke(main, ["export", "--out", "/proc/nope/v.v"])
        assert r.exit_code == 2
