"""``tcphw synth``: the logic-level count, and one real Yosys + nextpnr run on the smallest configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
