"""The bench plot: throughput per backend on a log scale with 95% CIs, the streaming bound, and the board's bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _stacked(spec: str) -> str:
    """A backend spec with its options one per line: "software:threads=1,path=clmul" -> three lines."""
    name, _, options = spec.partition(":")
    return "\n".join([name, *options.split(",")]) if options else name


def plot_bench(doc: dict[str, Any], out_base: Path) -> list[Path]:
    """Writes ``out_base``.png and .svg; returns their paths."""
    from tcphw.extras import require

    matplotlib = require("analysis", "matplotlib", "plotting")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tcphw.atomic import save_figure
    from tcphw.host.apps.bench import format_rate

    results = doc["results"]
    # Each bar says what it timed: the slow backends run on a prefix of the corpus.
    # One option a line: "software:threads=1,path=clmul" side by side would run into its neighbours.
    names = [
        f"{_stacked(r['backend'])}\n{r['count']:,} descriptors"
        + ("\n(virtual board: simulator speed)" if r.get("board", {}).get("virtual") else "")
        for r in results
    ]
    medians = [r["throughput_dps"] for r in results]
    low = [r["throughput_dps"] - r["ci95"][0] for r in results]
    high = [r["ci95"][1] - r["throughput_dps"] for r in results]
    fig, ax = plt.subplots(figsize=(9, 5.5))
    xs = list(range(len(results)))
    ax.bar(xs, medians, yerr=[low, high], capsize=6, color="#4c72b0", label="measured, wall clock (median, 95% CI)")
    for x, r, m in zip(xs, results, medians, strict=True):
        top = r["ci95"][1] if r.get("repeat", 2) > 1 else m
        ax.annotate(format_rate(m), (x, top), textcoords="offset points", xytext=(0, 4), ha="center", fontsize=9)
    ax.set_xticks(xs, names, fontsize=9)
    bound = doc.get("streaming_bound")
    if bound:
        label = f"streaming bound, one thread (read 24 bytes, write 1): {format_rate(bound['throughput_dps'])}"
        ax.axhline(bound["throughput_dps"], color="#8172b2", linestyle=":", linewidth=1.5, label=label)
        several = bound.get("threads")
        if several:
            label = f"streaming bound, {several['threads']} threads: {format_rate(several['throughput_dps'])}"
            ax.axhline(several["throughput_dps"], color="#937860", linestyle=(0, (1, 3)), linewidth=1.5, label=label)
    for x, r in zip(xs, results, strict=True):
        board = r.get("board")
        if not board:
            continue
        # The board's bounds belong to its bar: short segments across it, drawn so that two bounds that
        # nearly coincide (link bound and projection) both stay visible: a wide pale band under a thin line.
        span = (x - 0.45, x + 0.45)
        if board.get("fabric_dps"):
            ax.plot(span, [board["fabric_dps"]] * 2, color="#dd8452", linestyle="--", linewidth=2,
                    label=f"board fabric at its clock: {format_rate(board['fabric_dps'])}")  # fmt: skip
        if board.get("link_bound_dps"):
            ax.plot(span, [board["link_bound_dps"]] * 2, color="#55a868", linewidth=9, alpha=0.35,
                    solid_capstyle="butt",
                    label=f"real board's link bound at {board['real_baud']:,} baud: "
                    f"{format_rate(board['link_bound_dps'])}")  # fmt: skip
        sim = board.get("simulation")
        if sim:
            ax.plot(span, [sim["projected_real_board_dps"]] * 2, color="#c44e52", linestyle="-.", linewidth=1.5,
                    label=f"PROJECTED real board, from the simulation's link efficiency: "
                    f"{format_rate(sim['projected_real_board_dps'])}")  # fmt: skip
    ax.set_yscale("log")
    ax.set_ylim(top=max(max(r["ci95"][1] for r in results), max(medians)) * 6)
    ax.set_ylabel("descriptors per second")
    ax.set_title(f"tcphw bench: {doc['plan']['repeat']} repetitions per backend, one run")
    # Below the axes, where it covers no bar.
    fig.legend(fontsize=8, loc="lower center", ncol=1, frameon=False)
    fig.tight_layout(rect=(0, 0.02 + 0.034 * len(ax.get_legend_handles_labels()[0]), 1, 1))
    paths = [out_base.with_suffix(".png"), out_base.with_suffix(".svg")]
    for path in paths:
        save_figure(fig, path)
    plt.close(fig)
    return paths
