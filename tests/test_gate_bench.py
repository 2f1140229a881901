"""``tcphw gate bench`` end to end on tiny counts: its document, its plot, its skips. Nothing is timed here: the
figures are the bench's to report (docs/gate-service.md), never a test's to assert."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tcphw.host.cli import main


def test_gate_bench_runs_end_to_end_on_tiny_counts(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    out.mkdir()  # a folder that exists, as on the second run of docs/gate-service.md's command (refused once)
    tiny = [
        "--rounds",
        "2",
        "--seconds",
        "0.3",
        "--requests",
        "15",
        "--repeat",
        "1",
        "--lines",
        "40",
        "--hook-runs",
        "2",
    ]
    asked = ["--backend", "reference", "--backend", "gpu", "--clients", "1,3"]
    r = CliRunner().invoke(main, ["gate", "bench", *asked, *tiny, "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [x["backend"] for x in doc["in_process"]] == ["reference", "software:threads=1"]
    [load] = doc["load"]
    assert load["backend"] == "reference" and load["every_answer_logged"] and load["exit_code"] == 0
    assert [lv["clients"] for lv in load["levels"]] == [1, 3]
    for lv in load["levels"]:
        assert lv["errors"] == 0 and lv["wrong"] == 0 and lv["answered"] >= 1 and lv["rounds"] == 2
        assert set(lv["stages_us"]) == {"parse+rules", "lookup", "validate", "decide", "log", "encode"}
    if "gpu" not in [x["backend"] for x in doc["load"]]:
        assert doc["not_measured"]["gpu"]  # skipped, with the reason
    assert doc["hook"]["runs"] == 2 and sum(doc["hook"]["answers"].values()) == 2  # the hook answered each time
    assert (out / "gate-bench.json").exists() and (out / "gate-bench.png").stat().st_size > 0
    bad = CliRunner().invoke(main, ["gate", "bench", "--clients", "0"])
    assert bad.exit_code == 4


def test_the_co_design_figures_follow_from_the_measured_ones() -> None:
    from tcphw.host.apps.gate.codesign import codesign, format_codesign

    level = {
        "clients": 64,
        "server_cpu_us": 400.0,
        "stages_us": {"validate": {"cpu_us": 4.0}},
        "descriptors_per_decision": 2.0,
    }
    project = {
        "measured": {"fpga": [{"device": "ecp5-85f", "lanes": 1, "pipeline": 2, "throughput_dps": 1.6e8}]},
        "projections": [{"node_nm": 28, "lanes": 1, "throughput_dps": {"value": 3.2e9}}],
    }
    co = codesign({"backend": "software"}, level, 2e8, 10.0, project)
    assert co["validate_share"] == 0.01
    assert co["front_end_decisions_per_core"] == 2500.0 and co["front_end_fleet_per_core"] == 25_000.0
    assert co["accelerator_pays_at_agents"] == 2_500_000.0  # 10 s / 4 us: validation fills one core there
    assert co["front_end_cores_then"] == 100.0

    def row(start: str) -> Any:
        [found] = [r for r in co["validators"] if r["what"].startswith(start)]
        return found

    assert row("software kernel")["decisions_per_s"] == 1e8 and row("software kernel")["fleet"] == 1e9
    assert row("FPGA fabric, ecp5")["decisions_per_s"] == 8e7
    assert row("ASIC 28 nm")["dps"] == 3.2e9
    assert row("iCEBreaker")["dps"] < 20_000  # the link bounds it, not the fabric
    assert any("negligible" in line for line in format_codesign(co))
