"""What the plots show (issue 34 §5): no bar heights on a log axis, no two figures drawn on top of each other
unexplained, every line that looks wrong explained, and every measured point inside the axes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest


def _result(backend: str, dps: float, count: int, info: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"backend": backend, "info": info or {}, "count": count, "repeat": 5, "throughput_dps": dps,
            "ci95": [dps * 0.9, dps * 1.1]}  # fmt: skip


@pytest.fixture()
def figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The figures the plotting code saves, kept open for inspection instead of written."""
    import sys

    import tcphw.atomic
    import tcphw.host.apps.bench_plot
    import tcphw.projections.report

    kept: list[Any] = []
    original = tcphw.atomic.save_figure
    # Every module that bound the writer at import time gets the stand-in: which of them another test imported
    # first must not decide whether this one sees the figure (it did, once, under xdist).
    for module in list(sys.modules.values()):
        if getattr(module, "save_figure", None) is original:
            monkeypatch.setattr(module, "save_figure", lambda figure, path: kept.append(figure))
    return kept


def test_the_bench_plot_shows_points_and_keeps_close_figures_apart(figures: list[Any], tmp_path: Path) -> None:
    from tcphw.host.apps.bench_plot import plot_bench

    board = _result("board", 9.5e3, 5000)
    board["board"] = {
        "virtual": True, "fabric_dps": 35e6, "link_bound_dps": 12.5e3, "real_baud": 3_000_000,
        "simulation": {"projected_real_board_dps": 12.1e3},
    }  # fmt: skip
    doc = {
        "plan": {"repeat": 5},
        "results": [board, _result("software", 4e8, 1_000_000, {"threads": 2}), _result("naive", 7e5, 200_000)],
        "streaming_bound": {
            "throughput_dps": 5e8,
            "threads": {"threads": 2, "throughput_dps": 4.6e8, "scaling": {"ratio": 0.92, "ci95": [0.85, 1.0]}},
        },
    }
    plot_bench(doc, tmp_path / "bench")
    ax = figures[0].axes[0]
    assert ax.get_yscale() == "log" and not ax.patches  # points with intervals: no bars on a log axis
    labels = [text.get_text() for text in figures[0].legends[0].get_texts()]
    projected = next(label for label in labels if label.startswith("PROJECTED real board"))
    assert "97% of the link bound" in projected  # 12.1 k against 12.5 k: drawn apart, the ratio given
    two = next(label for label in labels if label.startswith("streaming bound, 2 threads"))
    assert "0.92x one thread's" in " ".join(two.split()) and "no faster than one thread" in " ".join(two.split())
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "(2 threads)" in ticks[1]  # software says how many threads it ran


def test_every_measured_projection_point_is_inside_the_axes(figures: list[Any], tmp_path: Path) -> None:
    """`project --lanes 8 --node 28 --node 7` listed "MEASURED ecp5-85f" with its point at 40 nm, outside a
    28..7 nm axis."""
    from matplotlib.collections import PathCollection

    from tcphw.projections.report import plot, run

    doc = run([1], [28, 7])  # one lane: the netlist test_projections measures too (cached)
    assert doc["measured"]["fpga"], "the shipped synthesis figures hold 1-lane rows"
    plot(doc, tmp_path)
    for ax in figures[0].axes[:2]:  # throughput and latency carry the measured points
        low, high = sorted(ax.get_xlim())
        points = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert points
        for collection in points:
            for x in np.asarray(collection.get_offsets())[:, 0]:
                assert low <= x <= high, (ax.get_ylabel(), x, (low, high))


def test_the_projection_table_has_no_line_inside_it() -> None:
    """The note naming the measured rows' source sat between two rows of the Markdown table."""
    from tcphw.projections.report import markdown

    doc = {
        "bus_bits": 512, "netlists": {}, "nodes": {}, "projections": [],
        "measured": {
            "fpga": [{"device": "ecp5-85f", "crc_style": "tree", "pipeline": 2, "lanes": 8, "fmax_hz": 1.4e8,
                      "latency_ns": 14.0, "throughput_dps": 1.1e9, "source": "validator-synth.json"}],
            "software": {"runs": 5, "latency_ns": 1e3, "throughput_dps": 3e8},
        },
    }  # fmt: skip
    lines = markdown(doc).splitlines()
    start = lines.index("## Measured") + 2
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    assert len(table) == 4 and "software backend" in table[-1], table  # header, rule, FPGA row, software row
    assert any(line.startswith("Measured FPGA rows: validator-synth.json") for line in lines[start + 4 :])
