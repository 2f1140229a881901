"""``tcphw gate bench`` end to end on tiny counts: its document, its plot, its skips. Nothing is timed here: the
figures are the bench's to report (docs/gate-service.md), never a test's to assert."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tcphw.host.cli import main


def test_gate_bench_runs_end_to_end_on_tiny_counts(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    tiny = ["--rounds", "2", "--seconds", "0.3", "--requests", "15", "--repeat", "1", "--lines", "40"]
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
    assert (out / "gate-bench.json").exists() and (out / "gate-bench.png").stat().st_size > 0
    bad = CliRunner().invoke(main, ["gate", "bench", "--clients", "0"])
    assert bad.exit_code == 4
