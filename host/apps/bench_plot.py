"""The bench plot: throughput per backend (a point with its 95% CI, log scale), the streaming bound, board bounds."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from tcphw.atomic import save_figure
from tcphw.extras import require
from tcphw.host.apps.bench import format_rate, threads_note
from tcphw.host.backends import split_backend_spec


def _stacked(spec: str) -> str:
    """A backend spec with its options one per line: "software:threads=1,path=clmul" -> three lines."""
    name, options = split_backend_spec(spec)
    return "\n".join([name, *(f"{key}={value}" for key, value in options)])


def plot_bench(doc: dict[str, Any], out_base: Path) -> list[Path]:
    """Writes ``out_base``.png and .svg; returns their paths.

    Each backend is a point (the median) with its 95% CI, not a bar: on a log axis a bar's height depends
    on where the axis starts, so it would mean nothing."""
    matplotlib = require("analysis", "matplotlib", "plotting")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = doc["results"]
    # Each point says what it timed: the slow backends run on a prefix of the corpus, and how many threads.
    # One option a line: "software:threads=1,path=clmul" side by side would run into its neighbours.
    names = [
        f"{_stacked(r['backend'])}{threads_note(r).replace(' (', chr(10) + '(')}\n{r['count']:,} descriptors"
        + ("\n(virtual board: simulator speed)" if r.get("board", {}).get("virtual") else "")
        for r in results
    ]
    medians = [r["throughput_dps"] for r in results]
    low = [r["throughput_dps"] - r["ci95"][0] for r in results]
    high = [r["ci95"][1] - r["throughput_dps"] for r in results]
    fig, ax = plt.subplots(figsize=(9.5, 6))
    xs = list(range(len(results)))
    ax.errorbar(xs, medians, yerr=[low, high], fmt="o", markersize=8, capsize=6, color="#4c72b0", zorder=4,
                label="measured, wall clock (median, 95% CI)")  # fmt: skip
    for x, m in zip(xs, medians, strict=True):  # beside the point, clear of its interval
        ax.annotate(format_rate(m), (x, m), textcoords="offset points", xytext=(9, 0), ha="left", va="center",
                    fontsize=9)  # fmt: skip
    ax.set_xticks(xs, names, fontsize=9)
    ax.set_xlim(-0.6, len(results) - 0.4)
    bound = doc.get("streaming_bound")
    if bound:
        label = f"streaming bound, one thread (read 24 bytes, write 1): {format_rate(bound['throughput_dps'])}"
        ax.axhline(bound["throughput_dps"], color="#8172b2", linestyle=":", linewidth=1.5, label=label)
        several = bound.get("threads")
        if several:
            scaling = several["scaling"]
            label = (
                f"streaming bound, {several['threads']} threads: {format_rate(several['throughput_dps'])} = "
                f"{scaling['ratio']:.2f}x one thread's (95% CI {scaling['ci95'][0]:.2f}..{scaling['ci95'][1]:.2f})"
            )
            if scaling["ratio"] < 1:  # drawn below the one-thread line: say what that means, not leave it
                label += ": no faster than one thread on this machine (its cores share one memory path, or were busy)"
            ax.axhline(several["throughput_dps"], color="#937860", linestyle=(0, (1, 3)), linewidth=1.5, label=label)
    for x, r in zip(xs, results, strict=True):
        board = r.get("board")
        if not board:
            continue
        # The board's bounds belong to its point: short segments across its slot. The projection is
        # efficiency x the link bound, so the two nearly coincide in height: the link bound spans the slot,
        # the projection is a marker beside the point, and its label gives the ratio.
        span = (x - 0.45, x + 0.45)
        if board.get("fabric_dps"):
            ax.plot(span, [board["fabric_dps"]] * 2, color="#dd8452", linestyle="--", linewidth=2,
                    label=f"board fabric at its clock: {format_rate(board['fabric_dps'])}")  # fmt: skip
        if board.get("link_bound_dps"):
            ax.plot(span, [board["link_bound_dps"]] * 2, color="#55a868", linewidth=2,
                    label=f"real board's link bound at {board['real_baud']:,} baud: "
                    f"{format_rate(board['link_bound_dps'])}")  # fmt: skip
        sim = board.get("simulation")
        if sim:
            share = sim["projected_real_board_dps"] / board["link_bound_dps"] if board.get("link_bound_dps") else None
            ax.plot([x + 0.25], [sim["projected_real_board_dps"]], marker="*", markersize=13, linestyle="",
                    color="#c44e52", zorder=5,
                    label=f"PROJECTED real board, from the simulation's link efficiency: "
                    f"{format_rate(sim['projected_real_board_dps'])}"
                    + (f" ({share:.0%} of the link bound)" if share else ""))  # fmt: skip
    ax.set_yscale("log")
    ax.set_ylim(top=max(max(r["ci95"][1] for r in results), max(medians)) * 6)
    ax.set_ylabel("descriptors per second (log scale)")
    ax.grid(True, axis="y", which="major", alpha=0.3)
    ax.set_title(f"tcphw bench: {doc['plan']['repeat']} repetitions per backend, one run")
    # Below the axes, where it covers no point; long labels wrapped so that none runs off the figure.
    handles, labels = ax.get_legend_handles_labels()
    labels = [textwrap.fill(label, 120, subsequent_indent="    ") for label in labels]
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=1, frameon=False)
    rows = sum(label.count("\n") + 1 for label in labels)
    fig.tight_layout(rect=(0, 0.02 + 0.03 * rows, 1, 1))
    paths = [out_base.with_suffix(".png"), out_base.with_suffix(".svg")]
    for path in paths:
        save_figure(fig, path)
    plt.close(fig)
    return paths
