"""The projection model: cited figures reproduced, arithmetic pinned on fixed inputs, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from tcphw.host.cli import main
from tcphw.projections.figures import FLOP_CLOCK_FJ_130, GATE_TOGGLE_FJ_130, LIBRARIES, nodes, sb_energy
from tcphw.projections.model import gate_delay_ps, project
from tcphw.projections.netlist import Netlist, measure

SKY130 = Path(__file__).resolve().parents[2] / "shared" / "liberty" / "sky130hd_tt.lib"


def test_the_scaling_figures_reproduce_the_published_checks() -> None:
    # The erratum's worked example, and the factors relative to 45 nm in projection-figures.md.
    assert sb_energy(32, 0.9) == pytest.approx(0.4571, abs=1e-4)
    table = nodes()
    for nm, delay, energy, area in ((65, 1.53, 1.95, 1.51), (32, 0.669, 0.531, 0.472), (7, 0.259, 0.056, 0.060)):
        assert table[nm].delay_rel45 == pytest.approx(delay, rel=0.01)
        assert table[nm].energy_rel45 == pytest.approx(energy, rel=0.02)
        assert table[nm].area_rel45 == pytest.approx(area, rel=0.02)
    assert table[28].status == "interpolated" and table[5].status == "assumed"
    assert "INTERPOLATED" in table[28].note and "ASSUMED" in table[5].note
    # 7 nm: device-level scaling of Nangate45's FO4 is about 5.7 ps, ASAP7 says 19.6 ps; the band spans both.
    band = gate_delay_ps(table[7])
    assert band.low == pytest.approx(5.7, abs=0.1) and band.high == band.value == 19.6
    assert gate_delay_ps(table[5]) == band  # assumed as 7 nm


FIXED = Netlist(lanes=1, pipeline=2, cells={"$_XOR_": 100, "$_NAND_": 20}, flops=10, depth=5, nand2_equivalents=500.0)


def test_the_arithmetic_on_a_fixed_netlist_at_45_nm() -> None:
    p = project(FIXED, 45)
    n45 = LIBRARIES["nangate45"]
    period = 5 * n45.fo4_ps + n45.clk_to_q_ps + n45.setup_ps  # 250.5 ps
    assert p.clock_period_ps.value == pytest.approx(period)
    assert p.frequency_hz.value == pytest.approx(1e12 / period)
    assert p.latency_ns.value == pytest.approx(2 * period / 1e3)
    assert p.throughput_dps.value == pytest.approx(1e12 / period) and not p.bus_bound
    assert p.area_um2.value == pytest.approx(500 * 0.798)
    e45 = sb_energy(45) / sb_energy(130)
    energy = 120 * 0.375 * GATE_TOGGLE_FJ_130 * e45 + 10 * FLOP_CLOCK_FJ_130 * e45
    assert p.energy_per_descriptor_fj.value == pytest.approx(energy)
    assert p.power_w.value == pytest.approx(energy * 1e-15 * 1e12 / period)
    assert p.throughput_per_w.value == pytest.approx(1e15 / energy)
    # 45 nm is the scaling's reference library: no delay band there.
    assert p.clock_period_ps.low == p.clock_period_ps.high == p.clock_period_ps.value


def test_eight_lanes_are_bound_by_the_input_bus() -> None:
    eight = Netlist(8, 2, {"$_XOR_": 800}, 80, 5, 4000.0)
    p = project(eight, 45, bus_bits=512)
    assert p.bus_bound and p.throughput_dps.value == pytest.approx(p.frequency_hz.value * 512 / 8 / 24)
    wide = project(eight, 45, bus_bits=8 * 24 * 8)
    assert not wide.bus_bound and wide.throughput_dps.value == pytest.approx(8 * wide.frequency_hz.value)
    assert math.isclose(wide.input_bytes_per_s.value, 24 * wide.throughput_dps.value)


@pytest.mark.slow
def test_the_real_netlist_and_the_cli(tmp_path: Path) -> None:
    net = measure(1)
    assert (
        net.depth >= 3
        and net.flops > 0
        and net.gates > 500
        and net.cells.get("$_XNOR_", 0) + net.cells.get("$_XOR_", 0) > 500
    )
    out = tmp_path / "proj"
    result = CliRunner().invoke(
        main, ["project", "--lanes", "1", "--node", "130", "--node", "7", "--no-software", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [p["node_nm"] for p in doc["projections"]] == [130, 7]
    md = (out / "projections.md").read_text()
    assert md.count("PROJECTED (published)") == 2 and "MEASURED" in md
    assert (out / "projections.png").stat().st_size > 0 and (out / "projections.svg").stat().st_size > 0
    bad = CliRunner().invoke(main, ["project", "--node", "3", "--no-software", "--out", str(out)])
    assert bad.exit_code == 2 and "no figures for 3 nm" in bad.output


@pytest.mark.slow
@pytest.mark.skipif(not SKY130.exists(), reason=f"no sky130 liberty at {SKY130} (the steering team's shared/ folder)")
def test_mapping_to_a_real_cell_library() -> None:
    net = measure(1, liberty=SKY130)
    assert net.liberty_area_um2 and net.liberty_area_um2 > 1000 and net.depth >= 3
    assert any(name.startswith("sky130_fd_sc_hd__") for name in net.cells)
