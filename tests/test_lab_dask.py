"""Work spread with Dask, against a real scheduler and real worker processes on loopback.

An exploration over a stand-in builder (no place-and-route: seconds, not hours) is spread over the
workers, loses a point when its worker dies, keeps every finished point, and resumes on a rerun. An
experiment whose board backend needs a worker resource runs it on the worker that has it and gives
the verdicts a local run gives.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
import yaml
from distributed import Client, LocalCluster, Nanny, Scheduler, SpecCluster, get_worker

from tcphw.boards import Board, get_board
from tcphw.host.apps.experiment.runner import run
from tcphw.host.apps.experiment.spec import load
from tcphw.host.apps.explore import Point, PointsLost, explore, point_folder, variant
from tcphw.host.lab.cluster import ClusterError, worker_resources

pytestmark = pytest.mark.dask
POINTS = [Point(lanes, pipeline) for lanes in (1, 2, 4, 8) for pipeline in (1, 2)]
CRASHES_ON = Point(4, 2)


def stand_in_builder(board: Board, point: Point, root: Path, reuse: Path | None) -> dict[str, Any]:
    """What build_point returns, without Yosys and nextpnr; its worker dies once on CRASHES_ON."""
    done = point_folder(board, point, root) / "point.json"
    if done.exists():
        return {**json.loads(done.read_text()), "cached": True}
    crash = Path(os.environ["TCPHW_TEST_CRASH_MARKER"])
    with open(crash.parent / "started.txt", "a") as started:  # which worker took which point, before any crash
        started.write(f"{point.lanes},{point.pipeline} {get_worker().address}\n")
    if point == CRASHES_ON and crash.exists():
        crash.unlink()
        os._exit(1)  # the worker process dies mid-build, as a machine that loses power would
    time.sleep(0.3)
    gid = variant(board, point).link_config().gateware_id().hex()
    return {"lanes": point.lanes, "pipeline": point.pipeline, "gateware_id": gid, "status": "ok", "report": None,
            "build_seconds": 0.3, "cached": False, "worker": get_worker().address}  # fmt: skip


@pytest.fixture
def crash_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    marker = tmp_path / "crash-once"
    marker.touch()
    monkeypatch.setenv("TCPHW_TEST_CRASH_MARKER", str(marker))  # before the workers start: they inherit it
    return marker


@pytest.fixture
def cluster(crash_marker: Path) -> Iterator[Client]:
    # A killed worker's task fails at once instead of being retried elsewhere: the lost point is what is tested.
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc,  # type: ignore[no-untyped-call]
        Client(lc) as client,  # type: ignore[no-untyped-call]
    ):
        # On a loaded machine the second worker can still be starting when the points are
        # submitted; then all of them go to the first one, and "spread" fails (seen once here).
        client.wait_for_workers(2)
        yield client


@pytest.mark.slow
def test_an_exploration_spreads_keeps_finished_points_and_resumes(
    cluster: Client, crash_marker: Path, tmp_path: Path
) -> None:
    board = get_board("icebreaker")
    out = tmp_path / "explore"
    lines: list[str] = []
    with pytest.raises(PointsLost) as lost:
        explore(board, POINTS, out, measure=False, cluster=cluster, builder=stand_in_builder, say=lines.append)
    # The crashed point is lost, and any other the dead worker had taken on; nothing else.
    assert CRASHES_ON in lost.value.lost and not crash_marker.exists()
    assert len(lost.value.lost) < len(POINTS) // 2
    assert not (out / "explore.json").exists()  # nothing that looks complete
    kept = [p for p in POINTS if (point_folder(board, p, out) / "point.json").exists()]
    assert kept == [p for p in POINTS if p not in lost.value.lost]  # every finished point was stored as it came
    # Spread over the workers. Counted where points started, not where they finished: the worker that
    # crashes may finish none of its points before it dies (seen on a loaded machine).
    started = (crash_marker.parent / "started.txt").read_text().split()
    workers = set(started[1::2])
    assert len(workers) >= 2, started
    doc = explore(board, POINTS, out, measure=False, cluster=cluster, builder=stand_in_builder, say=lines.append)
    rebuilt = [(e["lanes"], e["pipeline"]) for e in doc["points"] if e["status"] == "ok"]
    assert rebuilt == [(p.lanes, p.pipeline) for p in POINTS]
    again = json.loads((point_folder(board, CRASHES_ON, out) / "point.json").read_text())
    assert again["status"] == "ok"
    assert sum("(built on the cluster)" in line for line in lines) == len(POINTS)  # each point built once


@pytest.fixture
def board_cluster() -> Iterator[Client]:
    """Two workers; only one has the board (a worker resource), as on the lab host with the iCEBreaker."""
    workers = {
        "plain": {"cls": Nanny, "options": {"nthreads": 1, "host": "127.0.0.1"}},
        "board-host": {
            "cls": Nanny,
            "options": {"nthreads": 1, "host": "127.0.0.1", "resources": {"board-icebreaker": 1}},
        },
    }
    scheduler = {"cls": Scheduler, "options": {"dashboard_address": None, "host": "127.0.0.1"}}
    with SpecCluster(workers=workers, scheduler=scheduler) as sc, Client(sc) as client:  # type: ignore[no-untyped-call]
        client.wait_for_workers(2)
        yield client


def _spec(tmp_path: Path, backends: list[str]) -> Path:
    path = tmp_path / f"{'-'.join(b.split(':')[0] for b in backends)}.yaml"
    spec = {"name": "cluster-check", "seed": 5, "backends": backends, "corpora": [{"name": "mixed", "count": 600}],
            "batch_sizes": [256], "warmup": 1, "repetitions": 2}  # fmt: skip
    path.write_text(yaml.safe_dump(spec))
    return path


def _runs(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "runs.jsonl").read_text().splitlines()]


def test_an_experiment_runs_the_board_where_the_board_is(board_cluster: Client, tmp_path: Path) -> None:
    spec = load(_spec(tmp_path, ["board", "software"]))
    here = run(spec, tmp_path / "here")
    there = run(spec, tmp_path / "there", cluster=board_cluster)
    local, remote = _runs(here), _runs(there)
    key = ("index", "backend", "corpus", "batch", "repetition", "warmup", "verdict_sha256", "agrees_with_software")
    assert [{k: r[k] for k in key} for r in remote] == [{k: r[k] for k in key} for r in local]  # same order, verdicts
    assert all(r["agrees_with_software"] for r in remote)
    meta = json.loads((there / "meta.json").read_text())
    with_board = [a for a, r in worker_resources(board_cluster).items() if r.get("board-icebreaker")]
    assert meta["backends"]["board"]["worker"] == with_board[0]
    assert meta["order"] == json.loads((here / "meta.json").read_text())["order"]


def test_a_backend_no_worker_can_run_is_refused_before_any_run(board_cluster: Client, tmp_path: Path) -> None:
    spec = load(_spec(tmp_path, ["board:board=ulx3s-85f", "software"]))
    with pytest.raises(ClusterError, match="board-ulx3s-85f=1"):
        run(spec, tmp_path / "refused", cluster=board_cluster)
    assert not (tmp_path / "refused").exists()


def test_a_scheduler_that_is_not_there_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import socket

    from click.testing import CliRunner

    from tcphw.host.cli import main

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    explore_args = ["explore", "--board", "icebreaker", "--lanes", "1", "--no-measure", "--out", str(tmp_path / "e")]
    for args in (["experiment", "run", "software-vs-naive", "--out", str(tmp_path / "x")], explore_args):
        r = CliRunner().invoke(main, [*args, "--cluster", address])
        assert r.exit_code == 2 and f"no Dask scheduler answered at {address}" in r.output, r.output
        assert [line for line in r.output.splitlines() if "Error" in line] == [r.output.strip().splitlines()[-1]]
    assert not (tmp_path / "x").exists() and not (tmp_path / "e").exists()  # refused before any work
