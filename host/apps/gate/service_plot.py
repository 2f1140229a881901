"""The gate bench's plot: decisions per second against latency, one line per backend through its client counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b2")


def plot(doc: dict[str, Any], png: Path) -> list[Path]:
    """Writes ``png``: p99 (solid) and p50 (dotted) latency against throughput, each point labelled with its
    client count, the goal's corner shaded; returns its path."""
    from tcphw.extras import require

    matplotlib = require("analysis", "matplotlib", "plotting")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tcphw.host.apps.gate.service_bench import GOAL_CLIENTS, GOAL_DPS, GOAL_P99_MS

    fig, ax = plt.subplots(figsize=(9, 5.5))
    top = GOAL_DPS
    for colour, run in zip(COLOURS, doc["load"], strict=False):
        levels = run["levels"]
        x = [lv["throughput_dps"] for lv in levels]
        p99 = [lv["latency_ms"]["p99"] for lv in levels]
        p50 = [lv["latency_ms"]["p50"] for lv in levels]
        xerr = [
            [lv["throughput_dps"] - lv["ci95"][0] for lv in levels],
            [lv["ci95"][1] - lv["throughput_dps"] for lv in levels],
        ]
        ax.errorbar(x, p99, xerr=xerr, color=colour, marker="o", capsize=3, label=f"{run['backend']}: p99")
        ax.plot(x, p50, color=colour, marker=".", linestyle=":", label=f"{run['backend']}: p50")
        for lv, xi, yi in zip(levels, x, p99, strict=True):
            ax.annotate(
                f"{lv['clients']}", (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8, color=colour
            )
        top = max(top, *x)
    ax.axvspan(GOAL_DPS, top * 1.15, ymax=0.5, color="#55a868", alpha=0.08)
    ax.axvline(GOAL_DPS, color="#55a868", linestyle="--", linewidth=1)
    goal = f"goal at {GOAL_CLIENTS} clients: >= {GOAL_DPS:,.0f}/s with p99 <= {GOAL_P99_MS:.0f} ms"
    ax.axhline(GOAL_P99_MS, color="#55a868", linestyle="--", linewidth=1, label=goal)
    ax.set_yscale("log")
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel("decisions per second (median of rounds, 95% CI)")
    ax.set_ylabel("latency, ms (client side, log scale)")
    env = doc["environment"]
    ax.set_title(f"tcphw gate bench: gate serve under 1..{max(doc['plan']['clients'])} clients "
                 f"(numbers: clients), {env.get('cores_usable')} cores", fontsize=10)  # fmt: skip
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return [png]
