"""The bench plot: throughput per backend on a log scale with 95% CIs, and the board's bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_bench(doc: dict[str, Any], out_base: Path) -> list[Path]:
    """Writes ``out_base``.png and .svg; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = doc["results"]
    names = [
        r["backend"] + ("\n(virtual: simulator speed)" if r.get("board", {}).get("virtual") else "") for r in results
    ]
    medians = [r["throughput_dps"] for r in results]
    low = [r["throughput_dps"] - r["ci95"][0] for r in results]
    high = [r["ci95"][1] - r["throughput_dps"] for r in results]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.bar(names, medians, yerr=[low, high], capsize=6, color="#4c72b0", label="measured, wall clock (median, 95% CI)")
    lines = [
        ("fabric_dps", "board fabric at its clock", "#dd8452", "--"),
        ("link_bound_dps", "board link bound at its baud", "#55a868", ":"),
    ]
    for r in results:
        board = r.get("board")
        if not board:
            continue
        for key, label, color, style in lines:
            if board.get(key):
                ax.axhline(board[key], color=color, linestyle=style, label=f"{label}: {board[key]:,.0f}/s")
        sim = board.get("simulation")
        if sim:
            ax.axhline(
                sim["projected_real_board_dps"],
                color="#c44e52",
                linestyle="-.",
                label=f"real board projected from simulation: {sim['projected_real_board_dps']:,.0f}/s",
            )
    ax.set_yscale("log")
    ax.set_ylabel("descriptors per second")
    ax.set_title(f"tcphw bench: {doc['corpus_count']:,} descriptors, {doc['plan']['repeat']} repetitions")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    paths = [out_base.with_suffix(".png"), out_base.with_suffix(".svg")]
    for path in paths:
        fig.savefig(path)
    plt.close(fig)
    return paths
