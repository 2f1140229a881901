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
from tcphw.boards.build import BuildError, BuildStopped
from tcphw.host.apps import explore as explore_module
from tcphw.host.apps.explore import Point, PointsLost, explore, pareto


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
    assert sum(line.startswith("building") for line in lines) == 4
    # the fake builds take no measurable time, so no estimate: it would come from nothing measured
    assert any("time unknown until one of icebreaker has built" in line for line in lines), lines
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


def test_a_stopped_build_is_not_recorded_and_a_failed_one_keeps_its_log_until_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build stopped by a timeout was stored as "error: the toolchain failed" and never retried (issue 34 §2)."""
    calls: list[int] = []
    log = tmp_path / "build.log"
    log.write_text("Info: ...\nERROR: something the toolchain says\n")
    stop = {2}

    def builds(board: Any, folder: Path, *, force: bool = False) -> tuple[dict[str, Any], bool]:
        calls.append(board.lanes)
        if board.lanes in stop:
            raise BuildStopped("the build of icebreaker was stopped (SIGTERM) before it finished")
        if board.lanes == 4:
            raise BuildError("the toolchain failed building icebreaker (exit 1): ERROR: something", exit_code=1,
                             log=log)  # fmt: skip
        return fake_build(board, folder, force=force)

    monkeypatch.setattr(explore_module, "build", builds)
    board = get_board("icebreaker")
    points = [Point(n, 2) for n in (1, 2, 4)]
    lines: list[str] = []
    with pytest.raises(PointsLost, match="1 point\\(s\\) stopped before their build finished: lanes=2"):
        explore(board, points, tmp_path, jobs=1, measure=False, say=lines.append, reuse=None)
    stored = {int(p.parent.name.split("-l")[1].split("-")[0]): json.loads(p.read_text())
              for p in (tmp_path / "points").glob("*/point.json")}  # fmt: skip
    assert sorted(stored) == [1, 4]  # the stopped point left nothing behind
    assert (
        stored[4]["status"] == "error" and stored[4]["exit_code"] == 1 and "ERROR: something" in stored[4]["log_tail"]
    )
    assert any("not recorded, a rerun builds it again" in line for line in lines)
    # A rerun builds the stopped point only; the failed one is kept until asked for.
    stop.clear()
    calls.clear()
    lines.clear()
    doc = explore(board, points, tmp_path, jobs=1, measure=False, say=lines.append, reuse=None)
    assert calls == [2] and [e["status"] for e in doc["points"]] == ["ok", "ok", "error"]
    assert any("(cached; --retry-failed builds it again)" in line for line in lines), lines
    calls.clear()
    explore(board, points, tmp_path, jobs=1, measure=False, say=lines.append, reuse=None, retry_failed=True)
    assert calls == [4]


def test_the_time_left_comes_from_the_same_boards_measured_builds(tmp_path: Path) -> None:
    """ "about 1 min left for 1 point(s)" while the last (8-lane) build ran 5.5 more minutes (issue 34 §2)."""
    from tcphw.host.apps.explore import TimeLeft, measured_build_seconds, point_folder, time_left

    board = get_board("ulx3s-85f")
    for lanes, seconds in ((1, 100.0), (2, 120.0), (4, 200.0), (4, 220.0)):
        folder = point_folder(board, Point(lanes, 2 + (seconds == 220.0)), tmp_path)
        folder.mkdir(parents=True)
        (folder / "point.json").write_text(json.dumps({"lanes": lanes, "build_seconds": seconds}))
    other = point_folder(get_board("icebreaker"), Point(8, 2), tmp_path)  # another board's time does not count
    other.mkdir(parents=True)
    (other / "point.json").write_text(json.dumps({"lanes": 8, "build_seconds": 5.0}))
    times = measured_build_seconds(board, tmp_path)
    assert times == {1: [100.0], 2: [120.0], 4: [200.0, 220.0]}
    # a 4-lane build that has run 60 s of its 210 (the median of its lane count): 150 s to go
    assert time_left([], {Point(4, 2): 60.0}, times, jobs=2) == TimeLeft(150.0, False, ())
    assert time_left([], {Point(4, 2): 300.0}, times, jobs=2) == TimeLeft(0.0, True, ())  # overdue, and said so
    # no 8-lane build measured: at least the 4-lane time, and said to be a bound, never "about"
    bound = time_left([], {Point(8, 2): 60.0}, times, jobs=2)
    assert bound == TimeLeft(150.0, False, (8,))
    assert bound.describe(1, "ulx3s-85f").startswith("at least 2 min left for 1 point(s): no 8-lane build")
    # make bitstream's own build of the board (8 lanes) is a measured 8-lane build
    (tmp_path / "build" / "ulx3s-85f").mkdir(parents=True)
    report = {"parameters": {"lanes": 8}, "build_seconds": 530.0}
    (tmp_path / "build" / "ulx3s-85f" / "report.json").write_text(json.dumps(report))
    times = measured_build_seconds(board, tmp_path, tmp_path / "build")
    estimate = time_left([Point(2, 2)], {Point(8, 2): 30.0}, times, jobs=2)
    assert estimate == TimeLeft(500.0 + 120.0 / 2, False, ())
    assert estimate.describe(2, "ulx3s-85f") == "about 9 min left for 2 point(s), from ulx3s-85f's measured builds"
    assert time_left([Point(1, 2)], {}, {}, jobs=2) is None


def test_every_configuration_explore_offers_builds_and_measures() -> None:
    """Every board x lanes x pipeline that explore offers passes register's checks, on the real board and on
    its virtual board: ulx3s-85f at 1 lane crashed measuring ("capacity / lanes is too large for this UART
    divisor") once the virtual UART went to 2 clocks a bit (issue 34 §2)."""
    import dataclasses

    from tcphw.boards import all_boards
    from tcphw.boards.board import check_board
    from tcphw.hdl.validator import LANE_CHOICES
    from tcphw.host.cli.design_space import EXPLORE_DEPTHS

    for board in all_boards():
        for lanes in LANE_CHOICES:
            for pipeline in EXPLORE_DEPTHS:  # explore's --pipeline choices
                variant = dataclasses.replace(board, lanes=lanes, pipeline=pipeline)
                check_board(variant)
                assert variant.virtual_config().capacity == board.capacity  # the same buffer, measured


def test_a_point_that_cannot_work_is_refused_before_any_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import tcphw.boards.board as board_module
    from tcphw.host.cli import main

    real = board_module.check_board

    def refuse_four(board: Any) -> None:
        if board.lanes == 4:
            raise ValueError("capacity / lanes is too large for this UART divisor")
        real(board)

    def must_not_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("a point was built before every point was checked")

    monkeypatch.setattr(board_module, "check_board", refuse_four)
    monkeypatch.setattr(explore_module, "build", must_not_build)
    r = CliRunner().invoke(main, ["explore", "--board", "icebreaker", "--lanes", "1,4", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "icebreaker with lanes=4 pipeline=2 cannot work" in r.output, r.output
    assert len(r.output.strip().splitlines()) == 1 and not (tmp_path / "x").exists()


def test_the_build_script_tells_a_stop_from_a_toolchain_failure(tmp_path: Path) -> None:
    """Amaranth's build script run by boards.build: killed by a signal (as a timeout kills it) is
    BuildStopped, whose tools are stopped with it; a tool that fails is BuildError with its exit code and log."""
    import os

    from tcphw.boards.build import run_script

    (tmp_path / "stopped.sh").write_text('echo "Info: placing"\nkill -TERM $$\n')
    (tmp_path / "tool.sh").write_text("echo \"Info: routing\"\nsh -c 'kill -TERM $$'\n")  # a tool dies of it
    (tmp_path / "failed.sh").write_text('echo "Info: routing"\necho "ERROR: Unable to route net x" >&2\nexit 1\n')
    env = dict(os.environ)
    for script in ("stopped", "tool"):
        with pytest.raises(BuildStopped, match="SIGTERM"):
            run_script("icebreaker", script, tmp_path, env)
    with pytest.raises(BuildError) as failed:
        run_script("icebreaker", "failed", tmp_path, env)
    assert failed.value.exit_code == 1 and failed.value.log == tmp_path / "build.log"
    assert "(exit 1): ERROR: Unable to route net x" in str(failed.value)
    assert "Info: routing" in (tmp_path / "build.log").read_text()
