"""``tcphw explore``: build every (lanes, pipeline) point of a board, measure it, show the trade-offs.

For each point: the board's top-level gateware with those parameters is synthesized, placed
and routed (YoWASP; cached by gateware ID under ``OUT/points/``, so an interrupted
exploration resumes), its resources and post-route Fmax read from the report; a point that
misses timing or does not fit is kept, with the reason. A point that built is then run on the
virtual board (the same top in Verilator) on a short shared corpus: its verdicts are checked
against the software backend and its STATS counters give the fabric rate at the real clock.

Bounds per point, all in descriptors/s:
- link: the UART at the board's baud, in full batches (24 bytes + framing each);
- memory: the batch buffer hands the lanes one 192-bit row per bank per cycle: lanes x clock;
- logic: lanes x post-route Fmax (what the lanes could do if the clock were raised to Fmax);
- fabric (measured): descriptors per busy cycle of the validator x the board's clock.
ASIC projections for chosen nodes come from ``projections/`` and are labelled PROJECTED.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tcphw.atomic import save_figure, write_text_atomic
from tcphw.boards import Board, get_board
from tcphw.boards.build import BuildError, BuildStopped, build, cached_report, stop_builds
from tcphw.descriptors.generate import generate
from tcphw.extras import require
from tcphw.host.apps.bench import format_rate, wire_limit_dps
from tcphw.host.lab.cluster import backend_resources, check_resources
from tcphw.host.link import virtual_board_link
from tcphw.paths import cache_dir
from tcphw.projections.model import project
from tcphw.projections.netlist import measure as measure_netlist
from tcphw.sim.link.model import software_verdicts
from tcphw.sim.virtual_board import VirtualBoard

MEASURE_COUNT = 2_000


@dataclass(frozen=True)
class Point:
    lanes: int
    pipeline: int

    @property
    def label(self) -> str:
        return f"lanes={self.lanes} pipeline={self.pipeline}"


def variant(board: Board, point: Point) -> Board:
    return dataclasses.replace(board, lanes=point.lanes, pipeline=point.pipeline)


def pareto(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats: fewer or equal resources (x) and more or
    equal throughput (y), strictly better in one."""
    front = []
    for i, (x, y) in enumerate(points):
        dominated = any((x2 <= x and y2 >= y) and (x2 < x or y2 > y) for j, (x2, y2) in enumerate(points) if j != i)
        if not dominated:
            front.append(i)
    return front


def point_folder(board: Board, point: Point, root: Path) -> Path:
    """Where a point's build and its ``point.json`` live: keyed by gateware ID, so a changed design rebuilds."""
    gid = variant(board, point).link_config().gateware_id().hex()
    return root / "points" / f"{board.name}-l{point.lanes}-p{point.pipeline}-{gid}"


def build_point(
    board: Board, point: Point, root: Path, reuse: Path | None = Path("build"), retry_failed: bool = False
) -> dict[str, Any]:
    """Build one point (or reuse its stored result); never raises for a point that fails to build. A build
    that was stopped (``BuildStopped``: Ctrl-C, a signal, a timeout) raises, and nothing is stored: it says
    nothing about the design. With ``retry_failed`` a stored toolchain failure (status ``error``) is built
    again; timing and no-fit are results of the design and stay."""
    b = variant(board, point)
    gid = b.link_config().gateware_id().hex()
    folder = point_folder(board, point, root)
    done = folder / "point.json"
    if done.exists():
        cached = json.loads(done.read_text())
        if cached["status"] in ("error", "no-fit"):  # classified again: the rules may have learnt since
            cached.update(
                zip(("status", "reason"), _classify(folder, cached["reason"], cached.get("report")), strict=True)
            )
        if not (retry_failed and cached["status"] == "error"):
            return {**cached, "cached": True}
        done.unlink()
    started = time.monotonic()
    result: dict[str, Any] = {"lanes": point.lanes, "pipeline": point.pipeline, "gateware_id": gid}
    shipped = cached_report(b, reuse) if reuse else None  # make bitstream's build, when it is this point
    if shipped is not None:
        folder.mkdir(parents=True, exist_ok=True)
        result.update(status="ok", report=shipped, build_seconds=0.0)
        write_text_atomic(done, json.dumps(result, indent=1) + "\n")
        return {**result, "cached": True}
    try:
        built, _ = build(b, folder)
        result.update(status="ok", report=built)
    except BuildError as e:  # not BuildStopped: a stopped build goes up, unrecorded
        report_file = folder / board.name / "report.json"
        report: dict[str, Any] | None = json.loads(report_file.read_text()) if report_file.exists() else None
        status, reason = _classify(folder, str(e), report)
        result.update(status=status, reason=reason, report=report)
        if e.exit_code is not None:  # the toolchain failed: how, and where its whole log is
            result.update(exit_code=e.exit_code, log=str(e.log), log_tail=_tail(e.log))
    result["build_seconds"] = round(time.monotonic() - started, 1)
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(done, json.dumps(result, indent=1) + "\n")
    return {**result, "cached": False}


def _tail(log: Path | None, lines: int = 40) -> str:
    """The end of a failed build's log, stored with the point so the reason outlives the build folder."""
    if log is None or not log.is_file():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


Builder = Callable[..., dict[str, Any]]  # (board, point, root, reuse, retry_failed=False) -> result


class PointsLost(RuntimeError):
    """Some points were lost (with their workers, or stopped); the finished ones are stored, a rerun resumes."""

    def __init__(self, lost: list[Point], out: Path, how: str = "lost with their worker") -> None:
        labels = ", ".join(p.label for p in lost)
        super().__init__(
            f"{len(lost)} point(s) {how}: {labels}; the finished points are kept in "
            f"{out / 'points'}, so running the same command again builds only these"
        )
        self.lost = lost


def _progress(say: Callable[[str], None], i: int, total: int, p: Point, r: dict[str, Any], rest: str) -> None:
    cached = " (cached; --retry-failed builds it again)" if r["cached"] and r["status"] == "error" else " (cached)"
    say(
        f"[{i}/{total}] {p.label}: {r['status']}{cached if r['cached'] else ''}"
        + (f", {r['reason']}" if r.get("reason") else "")
        + rest
    )


def measured_build_seconds(board: Board, out: Path, reuse: Path | None = None) -> dict[int, list[float]]:
    """This board's measured build times by lane count: every point stored under ``out`` (fresh builds
    only: a reused bitstream's time is its own report's), and ``make bitstream``'s build under ``reuse``."""
    times: dict[int, list[float]] = {}
    for done in sorted((out / "points").glob(f"{board.name}-l*-p*-*/point.json")):
        try:
            stored = json.loads(done.read_text())
        except (OSError, ValueError):
            continue
        seconds = stored.get("build_seconds") or (stored.get("report") or {}).get("build_seconds")
        if seconds:
            times.setdefault(int(stored["lanes"]), []).append(float(seconds))
    try:
        shipped = json.loads((reuse / board.name / "report.json").read_text()) if reuse else {}
        if shipped.get("build_seconds"):
            times.setdefault(int(shipped["parameters"]["lanes"]), []).append(float(shipped["build_seconds"]))
    except (OSError, ValueError, KeyError):
        pass
    return times


@dataclass(frozen=True)
class TimeLeft:
    seconds: float
    overdue: bool  # a build has run longer than this board's builds of its lane count took
    unmeasured: tuple[int, ...]  # lane counts with no measured build: ``seconds`` is then a lower bound

    def describe(self, left: int, board: str) -> str:
        minutes = f"{max(self.seconds / 60, 1):.0f} min"
        if self.unmeasured:
            lanes = ", ".join(map(str, self.unmeasured))
            return (
                f"at least {minutes} left for {left} point(s): no {lanes}-lane build of {board} measured yet, "
                "and a larger design does not build faster"
            )
        return f"about {minutes} left for {left} point(s), from {board}'s measured builds" + (
            " (one is taking longer than those)" if self.overdue else ""
        )


def time_left(
    waiting: list[Point], running: dict[Point, float], times: dict[int, list[float]], jobs: int
) -> TimeLeft | None:
    """The time until the points still building (started ``running[p]`` seconds ago) and those waiting are
    done, from this board's measured build times of the same lane count. A lane count never built here
    takes at least what the largest measured lane count below it took (a bound, and said to be one: the
    mean of smaller builds once promised 1 minute for an 8-lane build that took 5.5 more). None when the
    board has no measured build."""
    if not times:
        return None
    medians = {lanes: float(np.median(ts)) for lanes, ts in times.items()}

    def expected(p: Point) -> float:
        if p.lanes in medians:
            return medians[p.lanes]
        below = [lanes for lanes in medians if lanes < p.lanes]
        return medians[max(below)] if below else 0.0

    unmeasured = tuple(sorted({p.lanes for p in [*waiting, *running] if p.lanes not in medians}))
    overdue = any(elapsed > expected(p) for p, elapsed in running.items() if p.lanes in medians)
    running_left = [max(expected(p) - elapsed, 0.0) for p, elapsed in running.items()]
    queued = sum(expected(p) for p in waiting)
    # The builds in flight finish first; the waiting ones share the workers.
    return TimeLeft(max(running_left, default=0.0) + queued / max(1, jobs), overdue, unmeasured)


def _build_here(
    board: Board, points: list[Point], out: Path, jobs: int, say: Callable[[str], None], reuse: Path | None,
    builder: Builder, retry_failed: bool = False,
) -> dict[Point, dict[str, Any]]:  # fmt: skip
    results: dict[Point, dict[str, Any]] = {}
    started: dict[Point, float] = {}
    stopped: list[Point] = []
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))

    def start(p: Point) -> dict[str, Any]:
        started[p] = time.monotonic()
        if not (point_folder(board, p, out) / "point.json").exists():
            say(f"building {p.label} ({board.name}, gateware {variant(board, p).link_config().gateware_id().hex()})")
        return builder(board, p, out, reuse, retry_failed=retry_failed)

    try:
        futures = {pool.submit(start, p): p for p in points}
        for i, future in enumerate(as_completed(futures), start=1):
            p = futures[future]
            try:
                r = future.result()
            except BuildStopped as e:  # from outside (a signal to the tools): not a result, not stored
                say(f"[{i}/{len(points)}] {p.label}: {e}; not recorded, a rerun builds it again")
                stopped.append(p)
                continue
            results[p] = r
            now = time.monotonic()
            snapshot = dict(started)  # one C-level copy: the workers add to it meanwhile
            running = {q: now - t for q, t in snapshot.items() if q not in results and q not in stopped}
            waiting = [q for q in points if q not in snapshot]
            left = len(running) + len(waiting)
            estimate = time_left(waiting, running, measured_build_seconds(board, out, reuse), jobs)
            if not left:
                rest = ""
            elif estimate is None:
                rest = f"; {left} point(s) left (time unknown until one of {board.name} has built)"
            else:
                rest = "; " + estimate.describe(left, board.name)
            _progress(say, i, len(points), p, r, rest)
    except BaseException:  # Ctrl-C, SIGTERM: the builds in flight stop too, and none of them is recorded
        stop_builds()
        pool.shutdown(wait=True, cancel_futures=True)
        say(f"stopped: the builds in flight were stopped and not recorded; the finished points are kept in "
            f"{out / 'points'}, and the same command resumes")  # fmt: skip
        raise
    pool.shutdown(wait=True)
    if stopped:
        raise PointsLost(stopped, out, "stopped before their build finished")
    return results


def _build_remote(builder: Builder, board_name: str, lanes: int, pipeline: int) -> dict[str, Any]:
    """On a worker: build one point in the worker's own cache; the result goes back to the client."""
    return builder(get_board(board_name), Point(lanes, pipeline), cache_dir("explore"), None)


def _measure_remote(board_name: str, lanes: int, pipeline: int, rows: np.ndarray) -> dict[str, Any]:
    return measure_point(get_board(board_name), Point(lanes, pipeline), rows)


def _where_it_measures(board: Board) -> dict[str, float]:
    """The workers a point is measured on: those the board backend runs this board on (its Dask resources)."""
    return backend_resources(f"board:board={board.name}")


def _build_on_cluster(
    client: Any, board: Board, points: list[Point], out: Path, say: Callable[[str], None], builder: Builder,
    measure: bool,
) -> dict[Point, dict[str, Any]]:  # fmt: skip
    """Points already in ``out`` come from there; the others are built on the cluster's workers, each
    stored in ``out`` as it arrives, so a worker lost later takes none of them with it."""
    from distributed import as_completed as completed

    if measure:
        check_resources(client, _where_it_measures(board), f"measuring on the virtual {board.name}")
    results: dict[Point, dict[str, Any]] = {}
    pending = {}
    for p in points:
        if (point_folder(board, p, out) / "point.json").exists():
            results[p] = builder(board, p, out, None)  # cached: read, not built
            continue
        gid = variant(board, p).link_config().gateware_id().hex()
        say(f"building {p.label} on the cluster ({board.name}, gateware {gid})")
        # The key is the gateware ID: a point another client is building now is shared, not built twice.
        future = client.submit(
            _build_remote, builder, board.name, p.lanes, p.pipeline, key=f"tcphw-build-{board.name}-{gid}", pure=False
        )
        if future.status == "error":  # lost earlier and still remembered under its key: build it again
            future.retry()
        pending[future] = p
    done = len(results)
    for i, p in enumerate((p for p in points if p in results), start=1):
        _progress(say, i, len(points), p, results[p], "")
    lost: list[Point] = []
    for future in completed(list(pending)):  # type: ignore[no-untyped-call]
        p = pending[future]
        try:
            r = future.result()
        except Exception as e:  # a worker died (KilledWorker) or the task failed: the point is lost
            say(f"{p.label}: lost ({type(e).__name__}: {e})")
            lost.append(p)
            future.release()  # the scheduler forgets the failure, so a rerun builds the point afresh
            continue
        folder = point_folder(board, p, out)
        folder.mkdir(parents=True, exist_ok=True)
        stored = {k: v for k, v in r.items() if k != "cached"}
        write_text_atomic(folder / "point.json", json.dumps(stored, indent=1) + "\n")
        results[p] = r
        done += 1
        _progress(say, done, len(points), p, r, " (built on the cluster)")
    if lost:
        raise PointsLost(lost, out)
    return results


# nextpnr's ways of saying the design is larger than the device
_NO_FIT = ("Unable to place", "Failed to expand region", "Unable to find a placement", "failed to place")


def _classify(folder: Path, error: str, report: dict[str, Any] | None) -> tuple[str, str]:
    """(status, reason) of a failed build: missed timing, did not fit, or another error."""
    if report is not None and not report.get("timing_met", True):
        return "timing", error
    log = _log_tail(folder)
    if any(marker in log for marker in _NO_FIT):
        where = next((line.strip() for line in log.splitlines() if "ERROR" in line), "")
        return "no-fit", f"does not fit the device ({where})"
    return "error", error


def _log_tail(folder: Path) -> str:
    """The end of nextpnr's log (Amaranth's build script names it NAME.tim)."""
    logs = sorted(folder.rglob("*.tim")) if folder.exists() else []
    return "".join(p.read_text(errors="replace")[-4000:] for p in logs)


def measure_point(board: Board, point: Point, rows: np.ndarray) -> dict[str, Any]:
    """The point on the virtual board: agreement with software and the fabric rate from STATS."""
    b = variant(board, point)
    with VirtualBoard(b) as vb, virtual_board_link(vb.url, b.baud) as link:
        link.connect(vb.config.gateware_id())
        before = link.stats()
        verdicts = link.validate(rows)
        after = link.stats()
    expected = np.frombuffer(software_verdicts(rows.tobytes()), dtype=np.uint8)
    busy = after.busy_cycles - before.busy_cycles
    n = after.descriptors - before.descriptors
    return {
        "descriptors": int(n),
        "mismatches": int(np.count_nonzero(verdicts != expected)),
        "busy_cycles": int(busy),
        "fabric_dps": n / busy * board.clock_hz if busy else None,
    }


def bounds(board: Board, point: Point, report: dict[str, Any] | None) -> dict[str, float | None]:
    fmax = None
    if report:
        achieved = [v["achieved_mhz"] for v in report["fmax"].values()]
        fmax = min(achieved) * 1e6 if achieved else None
    return {
        "link_dps": wire_limit_dps(board.baud, board.capacity),
        "memory_dps": float(point.lanes * board.clock_hz),
        "logic_dps": point.lanes * fmax if fmax else None,
        "fmax_hz": fmax,
    }


def _luts(report: dict[str, Any] | None) -> int | None:
    if not report:
        return None
    util = report.get("utilization", {})
    for key in ("ICESTORM_LC", "TRELLIS_COMB", "LUT4"):
        if key in util:
            return int(util[key]["used"])
    return None


def explore(
    board: Board,
    points: list[Point],
    out: Path,
    *,
    jobs: int = 2,
    nodes: list[int] | None = None,
    measure: bool = True,
    say: Callable[[str], None] = print,
    reuse: Path | None = Path("build"),
    cluster: Any = None,
    builder: Builder = build_point,
    retry_failed: bool = False,
) -> dict[str, Any]:
    """Build (or take from the cache) every point, measure each on the virtual board, and write the
    results. With ``cluster`` (a ``distributed.Client``) the builds and measurements run on its workers;
    a point whose worker was lost is reported by ``PointsLost`` after every finished one is stored."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if cluster is None:
        results = _build_here(board, points, out, jobs, say, reuse, builder, retry_failed)
    else:
        if retry_failed:  # the failed points go to the workers again, not built here
            for p in points:
                done = point_folder(board, p, out) / "point.json"
                if done.exists() and json.loads(done.read_text())["status"] == "error":
                    done.unlink()
        results = _build_on_cluster(cluster, board, points, out, say, builder, measure)
    rows, _ = generate(MEASURE_COUNT, seed=11)
    table = []
    for p in points:
        r = results[p]
        entry: dict[str, Any] = {
            "lanes": p.lanes,
            "pipeline": p.pipeline,
            "status": r["status"],
            "reason": r.get("reason"),
            "gateware_id": r["gateware_id"],
            "luts": _luts(r.get("report")),
            "utilization": (r.get("report") or {}).get("utilization"),
            "build_seconds": r.get("build_seconds"),
            **bounds(board, p, r.get("report")),
        }
        if measure and r["status"] == "ok":
            say(f"measuring {p.label} on the virtual board ({MEASURE_COUNT:,} descriptors)")
            if cluster is None:
                entry["virtual_board"] = measure_point(board, p, rows)
            else:  # on the worker that has the board (a resource), as a real board would be
                entry["virtual_board"] = cluster.submit(
                    _measure_remote, board.name, p.lanes, p.pipeline, rows, pure=False,
                    resources=_where_it_measures(board),
                ).result()  # fmt: skip
        if nodes:
            net = measure_netlist(p.lanes, p.pipeline)
            entry["projected"] = {nm: project(net, nm).as_dict() for nm in nodes}
        table.append(entry)
    ok = [i for i, e in enumerate(table) if e["status"] == "ok" and e["luts"]]
    for e in table:  # what the fabric takes: measured on the virtual board where it ran, else its memory bound
        e["fabric_dps"] = (e.get("virtual_board") or {}).get("fabric_dps") or e["memory_dps"]
    front = pareto([(table[i]["luts"], table[i]["fabric_dps"]) for i in ok])
    for k in front:
        table[ok[k]]["pareto"] = True
    doc = {
        "board": board.name,
        "clock_hz": board.clock_hz,
        "baud": board.baud,
        "capacity": board.capacity,
        "points": table,
        "seconds": round(time.monotonic() - started, 1),
    }
    write_text_atomic((out / "explore.json"), json.dumps(doc, indent=1, default=str) + "\n")
    write_text_atomic((out / "explore.md"), markdown(doc))
    plot(doc, out)
    return doc


def _rate(x: float | None) -> str:
    return "-" if x is None else format_rate(x)


def markdown(doc: dict[str, Any]) -> str:
    lines = [
        f"# Exploration: {doc['board']} ({doc['clock_hz'] / 1e6:g} MHz, {doc['baud']:,} baud, batch {doc['capacity']})",
        "",
        "MEASURED: resources and Fmax (post-route), fabric rate (virtual board STATS at the board's clock). "
        "Bounds are computed from them; PROJECTED figures come from projections/.",
        "",
        "| lanes | pipeline | status | LUTs | Fmax | fabric (measured) | link bound | memory bound | logic bound "
        "| mismatches | Pareto |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in doc["points"]:
        vb = e.get("virtual_board") or {}
        status = e["status"] if e["status"] == "ok" else f"{e['status']}: {e['reason']}".replace("|", "\\|")
        fmax = f"{e['fmax_hz'] / 1e6:.1f} MHz" if e["fmax_hz"] else "-"
        lines.append(
            f"| {e['lanes']} | {e['pipeline']} | {status} | {e['luts'] or '-'} | {fmax} | "
            f"{_rate(vb.get('fabric_dps'))} | "
            f"{_rate(e['link_dps'])} | {_rate(e['memory_dps'])} | {_rate(e['logic_dps'])} | "
            f"{vb.get('mismatches', '-')} | {'yes' if e.get('pareto') else ''} |"
        )
    projected = [e for e in doc["points"] if e.get("projected")]
    if projected:
        lines += ["", "PROJECTED as an ASIC core (projections/, 512-bit input bus; not measured):", ""]
        lines += [
            "| lanes | pipeline | node | clock | throughput | area | energy/descriptor |",
            "|---|---|---|---|---|---|---|",
        ]
        for e in projected:
            for nm, p in e["projected"].items():
                lines.append(
                    f"| {e['lanes']} | {e['pipeline']} | {nm} nm ({p['status']}) | "
                    f"{p['frequency_hz']['value'] / 1e9:.2f} GHz | {_rate(p['throughput_dps']['value'])}"
                    f"{' (bus-bound)' if p['bus_bound'] else ''} | {p['area_um2']['value'] * 1e-6:.3g} mm² | "
                    f"{p['energy_per_descriptor_fj']['value']:.0f} fJ |"
                )
    lines += ["", f"Exploration took {doc['seconds']:.0f} s (cached points take none)."]
    return "\n".join(lines) + "\n"


def plot(doc: dict[str, Any], out: Path) -> None:
    matplotlib = require("analysis", "matplotlib", "plotting")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.5))
    built = [e for e in doc["points"] if e["status"] == "ok" and e["luts"]]
    for e in built:
        # Filled: measured on the virtual board; hollow: only the computed memory bound (--no-measure).
        measured = bool(e.get("virtual_board"))
        colour = "#cc3311" if e.get("pareto") else "#4477aa"
        ax1.scatter(e["luts"], e["fabric_dps"], s=80 if e.get("pareto") else 30, zorder=3, edgecolors=colour,
                    facecolors=colour if measured else "none")  # fmt: skip
        ax1.annotate(f"{e['lanes']}L/p{e['pipeline']}", (e["luts"], e["fabric_dps"]), fontsize=7)
    front = sorted((e["luts"], e["fabric_dps"]) for e in built if e.get("pareto"))
    if front:
        ax1.plot(*zip(*front, strict=True), color="#cc3311", lw=1, label="Pareto front")
    if built:
        ax1.axhline(built[0]["link_dps"], color="black", ls="--", label="link bound (UART)")
    handles = ax1.get_legend_handles_labels()[0]
    if any(e.get("virtual_board") for e in built):
        handles.append(Line2D([], [], marker="o", ls="", color="#4477aa", label="MEASURED on the virtual board"))
    if any(not e.get("virtual_board") for e in built):
        handles.append(Line2D([], [], marker="o", ls="", color="#4477aa", markerfacecolor="none",
                              label="not measured: the computed memory bound"))  # fmt: skip
    ax1.set_xlabel("LUTs (post-route, MEASURED)")
    ax1.set_ylabel("fabric descriptors / s")
    ax1.set_yscale("log")
    ax1.legend(handles=handles, fontsize=7)
    ax1.set_title("throughput vs resources")
    labels = [f"{e['lanes']}L/p{e['pipeline']}" for e in doc["points"]]
    x = np.arange(len(labels))
    for key, name, marker in (
        ("link_dps", "link", "_"),
        ("memory_dps", "memory", "^"),
        ("logic_dps", "logic (Fmax)", "v"),
    ):
        ax2.scatter(x, [e[key] or np.nan for e in doc["points"]], marker=marker, s=80, label=f"{name} bound")
    fabric = [(e.get("virtual_board") or {}).get("fabric_dps") or np.nan for e in doc["points"]]
    if not np.all(np.isnan(fabric)):
        ax2.scatter(x, fabric, marker="o", color="black", label="fabric (MEASURED, virtual board)")
    nodes = sorted({int(nm) for e in doc["points"] for nm in (e.get("projected") or {})}, reverse=True)
    for k, nm in enumerate(nodes):
        values = [
            ((e.get("projected") or {}).get(nm) or (e.get("projected") or {}).get(str(nm)) or {})
            .get("throughput_dps", {})
            .get("value", np.nan)
            for e in doc["points"]
        ]
        ax2.scatter(x, values, marker="*", s=90, color=f"C{4 + k}", label=f"PROJECTED ASIC at {nm} nm")
    for i, e in enumerate(doc["points"]):
        if e["status"] != "ok":
            ax2.annotate(e["status"], (i, e["link_dps"]), fontsize=7, color="#cc3311")
    ax2.set_xticks(x, labels, fontsize=7)
    ax2.set_yscale("log")
    ax2.set_ylabel("descriptors / s")
    ax2.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax2.set_title("bounds per point (roofline)")
    fig.suptitle(f"{doc['board']}: exploration")
    fig.tight_layout()
    for ext in ("png", "svg"):
        save_figure(fig, out / f"explore.{ext}")
    plt.close(fig)
