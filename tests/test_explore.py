"""The exploration's own logic: the Pareto front, and points that fail are kept with their reason.

The builds themselves are the real toolchain's (tests/test_boards.py and CI build real
bitstreams); here the builder is replaced so the orchestration runs in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tcphw.boards import get_board
from tcphw.boards.build import BuildError
from tcphw.host.apps import explore as explore_module
from tcphw.host.apps.explore import Point, explore, pareto


def test_the_pareto_front_keeps_only_undominated_points() -> None:
    # (resources, throughput): the 2nd is dominated by the 1st (more resources, same throughput).
    points = [(100.0, 10.0), (150.0, 10.0), (200.0, 20.0), (210.0, 15.0), (400.0, 40.0)]
    assert pareto(points) == [0, 2, 4]
    assert pareto([(1.0, 1.0), (1.0, 1.0)]) == [0, 1]  # equal points dominate neither


def fake_build(board: Any, folder: Path, *, force: bool = False) -> tuple[dict[str, Any], bool]:
    """A builder that fits 1-2 lanes, misses timing at 4 and does not fit at 8."""
    report = {
        "fmax": {"sync": {"achieved_mhz": 40.0 - board.lanes, "target_mhz": 36.0}},
        "utilization": {"ICESTORM_LC": {"used": 2000 * board.lanes, "available": 5280}},
        "timing_met": board.lanes < 4,
    }
    if board.lanes == 8:
        log = folder / board.name / "work" / "tcphw.tim"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(
            "Info: ...\nERROR: Unable to place cell 'lane7', no BELs remaining to implement cell type 'ICESTORM_LC'\n"
        )
        raise BuildError("the toolchain failed building icebreaker")
    (folder / board.name).mkdir(parents=True, exist_ok=True)
    (folder / board.name / "report.json").write_text(json.dumps(report))
    if not report["timing_met"]:
        raise BuildError("icebreaker misses timing (sync: 36.0 MHz < 36.0 MHz)")
    return report, False


def test_failing_points_are_shown_with_their_reason_and_a_rerun_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def counted(board: Any, folder: Path, *, force: bool = False) -> tuple[dict[str, Any], bool]:
        calls.append(board.lanes)
        return fake_build(board, folder, force=force)

    monkeypatch.setattr(explore_module, "build", counted)
    board = get_board("icebreaker")
    points = [Point(n, 2) for n in (1, 2, 4, 8)]
    lines: list[str] = []
    doc = explore(board, points, tmp_path, jobs=2, measure=False, say=lines.append, reuse=None)
    status = {e["lanes"]: e for e in doc["points"]}
    assert [status[n]["status"] for n in (1, 2, 4, 8)] == ["ok", "ok", "timing", "no-fit"]
    assert "misses timing" in status[4]["reason"] and "Unable to place cell" in status[8]["reason"]
    assert status[1]["logic_dps"] == pytest.approx(39e6) and status[2]["logic_dps"] == pytest.approx(2 * 38e6)
    assert status[1]["link_dps"] < 13_000 and status[2]["memory_dps"] == 2 * board.clock_hz
    assert status[1].get("pareto") and status[2].get("pareto")
    assert sum(line.startswith("building") for line in lines) == 4 and any("min left" in line for line in lines)
    md = (tmp_path / "explore.md").read_text()
    assert "no-fit: does not fit the device" in md and "timing:" in md
    assert (tmp_path / "explore.png").stat().st_size > 0
    # Interrupted or not, a second run rebuilds nothing.
    calls.clear()
    again = explore(board, points, tmp_path, jobs=2, measure=False, say=lines.append, reuse=None)
    assert calls == [] and [e["status"] for e in again["points"]] == ["ok", "ok", "timing", "no-fit"]


def test_the_command_refuses_bad_settings_naming_them(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tcphw.host.cli import main

    runner = CliRunner()
    spec = tmp_path / "x.yaml"
    spec.write_text("board: icebreaker\nlane: [1]\n")
    result = runner.invoke(main, ["explore", "--spec", str(spec)])
    assert result.exit_code == 2 and "unknown key 'lane'" in result.output
    result = runner.invoke(main, ["explore", "--board", "icebreaker", "--lanes", "3"])
    assert result.exit_code == 2 and "--lanes: 3 is not one of 1, 2, 4, 8" in result.output
    result = runner.invoke(main, ["explore", "--board", "nope"])
    assert result.exit_code == 2 and "nope" in result.output
    result = runner.invoke(main, ["explore"])
    assert result.exit_code == 2 and "--board NAME" in result.output
