"""The gate bench's files: its JSON and its plot (latency against decisions per second, one line per backend
through its client counts, and beside it decisions per second against the client count)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tcphw.atomic import save_figure, write_text_atomic
from tcphw.extras import require
from tcphw.host.apps.gate.service_bench import GOAL_CLIENTS, GOAL_DPS, GOAL_P99_MS

COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b2")


def plot(doc: dict[str, Any], png: Path) -> list[Path]:
    """Writes ``png`` and returns its path. Left: p99 (solid) and p50 (dotted) latency against throughput, each
    p99 point labelled with its client count, the goal's corner shaded. Right: throughput (median of rounds,
    95% CI) against the client count, the goal's rate dashed."""
    matplotlib = require("analysis", "matplotlib", "plotting")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, rate) = plt.subplots(1, 2, figsize=(12, 5.6), gridspec_kw={"width_ratios": [3, 2]})
    top = GOAL_DPS
    for colour, run in zip(COLOURS, doc["load"], strict=False):
        levels = run["levels"]
        clients = [lv["clients"] for lv in levels]
        x = [lv["throughput_dps"] for lv in levels]
        p99 = [lv["latency_ms"]["p99"] for lv in levels]
        p50 = [lv["latency_ms"]["p50"] for lv in levels]
        ax.plot(x, p99, color=colour, marker="o", label=f"{run['backend']}: p99")
        ax.plot(x, p50, color=colour, marker=".", linestyle=":", label=f"{run['backend']}: p50")
        for n, xi, yi in zip(clients, x, p99, strict=True):
            ax.annotate(str(n), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8, color=colour)
        low = [lv["throughput_dps"] - lv["ci95"][0] for lv in levels]
        high = [lv["ci95"][1] - lv["throughput_dps"] for lv in levels]
        rate.errorbar(clients, x, yerr=[low, high], color=colour, marker="o", capsize=3, label=run["backend"])
        top = max(top, *x)
    ax.axvspan(GOAL_DPS, top * 1.1, ymax=0.5, color="#55a868", alpha=0.08)
    ax.axvline(GOAL_DPS, color="#55a868", linestyle="--", linewidth=1)
    goal = f"goal at {GOAL_CLIENTS} clients: >= {GOAL_DPS:,.0f}/s with p99 <= {GOAL_P99_MS:.0f} ms"
    ax.axhline(GOAL_P99_MS, color="#55a868", linestyle="--", linewidth=1, label=goal)
    ax.set_yscale("log")
    ax.set_xlim(0, top * 1.1)
    ax.set_xlabel("decisions per second (median of rounds)")
    ax.set_ylabel("latency, ms (client side; log scale)")
    ax.set_title("latency against throughput (labels: concurrent clients)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    rate.axhline(GOAL_DPS, color="#55a868", linestyle="--", linewidth=1)
    rate.set_xscale("log", base=2)
    counts = doc["plan"]["clients"]
    rate.set_xticks(counts, [str(n) for n in counts])
    rate.minorticks_off()
    rate.set_xlabel("concurrent clients")
    rate.set_ylabel("decisions per second (median, 95% CI)")
    rate.set_ylim(0, top * 1.1)
    rate.set_title("throughput against clients", fontsize=10)
    rate.grid(True, which="both", alpha=0.3)
    env = doc["environment"]
    fig.suptitle(f"tcphw gate bench: gate serve on {env.get('cores_usable')} cores ({env.get('cpu_model')}), "
                 f"the {doc['lines']['count']:,} agent lines", fontsize=11)  # fmt: skip
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=min(4, len(labels)), frameon=False)
    fig.tight_layout(rect=(0, 0.04 + 0.035 * ((len(labels) + 3) // 4), 1, 1))
    fig.set_dpi(110)
    save_figure(fig, png)  # whole or not at all (tcphw.atomic)
    plt.close(fig)
    return [png]


def write(doc: dict[str, Any], out: Path) -> list[Path]:
    """bench.json and the plot (gate-bench.png) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "gate-bench.json", json.dumps(doc, indent=1) + "\n")
    written = [out / "gate-bench.json"]
    if doc["load"]:
        written += plot(doc, out / "gate-bench.png")
    return written
