"""``tcphw experiment report DIR``: statistics, figures and ``report.md`` from the stored raw data.

Nothing here measures anything: every number comes from ``runs.jsonl`` (and the baseline
CSVs copied next to it), so running the report again gives the same report.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from tcphw.atomic import save_figure, write_text_atomic
from tcphw.extras import require
from tcphw.host.apps.bench import format_rate
from tcphw.host.apps.experiment.baseline import BaselineError, load_baseline
from tcphw.host.apps.experiment.spec import SpecError, parse
from tcphw.host.apps.experiment.statistics import NOISY_CV, compare, summarize


class ReportError(ValueError):
    pass


def read_stored(path: Path) -> str:
    """A stored result file's text, or a one-line ``ReportError`` (unreadable, or not UTF-8)."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise ReportError(f"{path}: cannot read ({e.strerror})") from e
    except UnicodeDecodeError as e:
        raise ReportError(f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start})") from e


def read_json(path: Path) -> Any:
    try:
        return json.loads(read_stored(path))
    except json.JSONDecodeError as e:
        raise ReportError(f"{path}: not JSON ({e.msg} at line {e.lineno})") from e


def read_json_lines(path: Path) -> list[dict[str, Any]]:
    """One JSON record a line (runs.jsonl, decisions.jsonl); a broken line is named."""
    records = []
    for number, line in enumerate(read_stored(path).splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ReportError(f"{path}:{number}: not a JSON record ({e.msg})") from e
    return records


def load_runs(out: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    runs_file, meta_file = out / "runs.jsonl", out / "meta.json"
    if not runs_file.is_file() or not meta_file.is_file():
        raise ReportError(f"{out} holds no finished experiment (runs.jsonl and meta.json); run tcphw experiment run")
    return read_json_lines(runs_file), read_json(meta_file)


def analyse(out: Path) -> dict[str, Any]:
    runs, meta = load_runs(out)
    try:
        spec = parse(yaml.safe_load(read_stored(out / "spec.yaml")), out)
    except (yaml.YAMLError, SpecError) as e:
        raise ReportError(f"{out / 'spec.yaml'}: not the experiment's stored spec ({e})") from e
    timed = [r for r in runs if not r["warmup"]]
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in timed:
        groups[(r["backend"], r["corpus"], r["batch"])].append(r)
    cells = []
    for (backend, corpus, batch), rs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        rate = np.array([r["count"] / r["seconds"] for r in rs])
        summary = summarize(rate, seed=spec.seed)
        calls = np.concatenate([r["call_seconds"] for r in rs])
        cells.append(
            {
                "backend": backend,
                "corpus": corpus,
                "batch": batch,
                "runs": [r["index"] for r in rs],
                "throughput_dps": summary.as_dict(),
                "outlier_runs": [rs[i]["index"] for i in summary.outliers],
                "call_latency_s": {
                    "n": int(calls.size),
                    "median": float(np.median(calls)),
                    "mean": float(calls.mean()),
                    "stddev": float(calls.std(ddof=1)) if calls.size > 1 else 0.0,
                    "worst": float(calls.max()),
                },
                "disagreements": sum(not r["agrees_with_software"] for r in rs),
            }
        )
    comparisons = []
    first = spec.backends[0]
    for corpus in [c.name for c in spec.corpora]:
        for batch in spec.batch_sizes:
            if (first, corpus, batch) not in groups:
                continue
            a = np.array([r["count"] / r["seconds"] for r in groups[(first, corpus, batch)]])
            for other in spec.backends[1:]:
                if (other, corpus, batch) not in groups:
                    continue
                b = np.array([r["count"] / r["seconds"] for r in groups[(other, corpus, batch)]])
                c = compare(first, a, other, b, alpha=spec.alpha, effect=spec.effect, seed=spec.seed)
                comparisons.append({"corpus": corpus, "batch": batch, "metric": "throughput_dps", **c.as_dict()})
    baselines = []
    smallest = min(spec.batch_sizes, key=lambda b: b or float("inf"))
    for baseline in spec.baselines:
        try:
            base = load_baseline(baseline.path, baseline.column)
        except BaselineError as e:  # the copy stored with the run: the report cannot be made from it
            raise ReportError(str(e)) from e
        entry: dict[str, Any] = {
            "name": baseline.name,
            "file": baseline.path.name,
            "seconds": summarize(base, seed=spec.seed).as_dict(),
        }
        entry["comparisons"] = []
        for backend in spec.backends:
            per_decision = np.concatenate(
                [np.array(r["call_seconds"]) / (smallest or r["count"]) for r in timed
                 if r["backend"] == backend and r["batch"] == smallest]
            )  # fmt: skip
            c = compare(
                backend, per_decision, baseline.name, base, alpha=spec.alpha, effect=spec.effect, seed=spec.seed
            )
            entry["comparisons"].append(c.as_dict())
        baselines.append(entry)
    return {
        "name": spec.name,
        "seed": spec.seed,
        "runs": len(runs),
        "timed_runs": len(timed),
        "warmup_runs_discarded": len(runs) - len(timed),
        "order": meta["order"],
        "environment": meta["environment"],
        "state_start": meta["state_start"],
        "state_end": meta.get("state_end"),
        "backends": meta["backends"],
        "cells": cells,
        "comparisons": comparisons,
        "baselines": baselines,
        "noisy_cv": NOISY_CV,
        "alpha": spec.alpha,
        "effect": spec.effect,
        "disagreements": sum(not r["agrees_with_software"] for r in runs),
    }


def _seconds(x: float) -> str:
    return f"{x * 1e3:.3g} ms" if x < 1 else f"{x:.3g} s"


def write_figure(fig: Any, out: Path, name: str) -> list[str]:
    """``fig`` as ``out/NAME.png`` and ``.svg``, closed; the files' names (the decision-method report's too)."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    for ext in ("png", "svg"):
        save_figure(fig, out / f"{name}.{ext}")
    plt.close(fig)
    return [f"{name}.png", f"{name}.svg"]


def plot(doc: dict[str, Any], out: Path) -> list[str]:
    matplotlib = require("analysis", "matplotlib", "plotting")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    cells = doc["cells"]
    labels = [f"{c['backend']}\n{c['corpus']}, batch {c['batch'] or 'all'}" for c in cells]
    medians = np.array([c["throughput_dps"]["median"] for c in cells])
    lows = np.array([c["throughput_dps"]["median_ci"][0] for c in cells])
    highs = np.array([c["throughput_dps"]["median_ci"][1] for c in cells])
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(cells)), 4.5))
    ax.bar(range(len(cells)), medians, yerr=[medians - lows, highs - medians], capsize=4, color="#4477aa")
    ax.set_yscale("log")
    ax.set_xticks(range(len(cells)), labels, fontsize=7)
    ax.set_ylabel("descriptors / s (median, 95% bootstrap CI)")
    ax.set_title(f"{doc['name']}: throughput")
    written += write_figure(fig, out, "throughput")

    runs = read_json_lines(out / "runs.jsonl")
    batches = sorted({c["batch"] for c in cells})
    fig, axes = plt.subplots(1, len(batches), figsize=(5 * len(batches), 4), squeeze=False)
    for ax, batch in zip(axes[0], batches, strict=True):
        names = sorted({c["backend"] for c in cells if c["batch"] == batch})
        data = [
            np.concatenate(
                [r["call_seconds"] for r in runs if not r["warmup"] and r["backend"] == n and r["batch"] == batch]
            )
            * 1e3
            for n in names
        ]
        ax.boxplot(data, showfliers=True)
        ax.set_xticks(range(1, len(names) + 1), names, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("ms per validate() call")
        ax.set_title(f"latency, batch {batch or 'whole corpus'}")
    written += write_figure(fig, out, "latency")

    if doc["comparisons"]:
        comps = doc["comparisons"]
        fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(comps)), 4))
        ratios = np.array([c["ratio_of_medians"] for c in comps])
        lo = np.array([c["ratio_ci"][0] for c in comps])
        hi = np.array([c["ratio_ci"][1] for c in comps])
        ax.errorbar(range(len(comps)), ratios, yerr=[ratios - lo, hi - ratios], fmt="o", capsize=4)
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_yscale("log")
        ax.set_xticks(
            range(len(comps)),
            [f"{c['a']} / {c['b']}\n{c['corpus']}, batch {c['batch'] or 'all'}" for c in comps],
            fontsize=7,
        )
        ax.set_ylabel("throughput ratio (medians, 95% CI)")
        written += write_figure(fig, out, "ratios")
    return written


def markdown(doc: dict[str, Any], figures: list[str]) -> str:
    env = doc["environment"]
    s0, s1 = doc["state_start"], doc["state_end"] or {}
    lines = [
        f"# Experiment: {doc['name']}",
        "",
        "Every number below is computed from `runs.jsonl` (one line per run, raw timings); "
        "`tcphw experiment report DIR` regenerates this file.",
        "",
        f"- runs: {doc['runs']} ({doc['warmup_runs_discarded']} warm-up runs discarded, {doc['timed_runs']} timed), "
        f"in a random interleaved order (seed {doc['seed']}; the order is in `meta.json`)",
        f"- machine: {env['cpu_model']}, {env['cores']} cores ({env['cores_usable']} usable), "
        f"{(env['memory_bytes'] or 0) / 2**30:.1f} GiB, {env['os']}, Python {env['python']}",
        f"- packages: {', '.join(f'{k} {v}' for k, v in env['packages'].items() if v)}",
        f"- load average (1 min): {s0['loadavg'][0]:.2f} at the start, "
        f"{s1.get('loadavg', [float('nan')])[0]:.2f} at the end; CPU governor: {s0['cpu_governor'] or 'not readable'}",
        f"- agreement with the software backend: {doc['disagreements']} runs with differing verdicts",
        "",
    ]
    for name, info in doc["backends"].items():
        hello = info.get("hello")
        if hello:
            lines.append(
                f"- {name}: {info.get('description')}, gateware {hello['gateware_id']}, {hello['lanes']} lane(s), "
                f"{hello['clock_hz'] / 1e6:g} MHz, {hello['baud']:,} baud"
                + (" (virtual board)" if info.get("virtual") else "")
            )
        else:
            lines.append(f"- {name}: {info.get('description', '')}")
    lines += [
        "",
        "## Throughput",
        "",
        "| backend | corpus | batch | n | median | 95% CI (median) | mean | 95% CI (mean) | CV | outliers |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    noisy = []
    for c in doc["cells"]:
        t = c["throughput_dps"]
        flag = " (noisy)" if t["noisy"] else ""
        if t["noisy"]:
            noisy.append(f"{c['backend']} on {c['corpus']} (batch {c['batch'] or 'all'}): CV {t['cv']:.1%}")
        lines.append(
            f"| {c['backend']} | {c['corpus']} | {c['batch'] or 'all'} | {t['n']} | {format_rate(t['median'])} | "
            f"{format_rate(t['median_ci'][0])} .. {format_rate(t['median_ci'][1])} | {format_rate(t['mean'])} | "
            f"{format_rate(t['mean_ci'][0])} .. {format_rate(t['mean_ci'][1])} | {t['cv']:.1%}{flag} | "
            f"{len(c['outlier_runs'])}"
            + (f" (runs {', '.join(map(str, c['outlier_runs']))})" if c["outlier_runs"] else "")
            + " |"
        )
    lines.append("")
    lines.append(
        "Consistency: "
        + (f"every cell had a CV under {doc['noisy_cv']:.0%}. " if not noisy else f"NOISY RUN: {'; '.join(noisy)}. ")
        + "Outliers are runs outside Tukey's fences (1.5 IQR); they are kept in every statistic and listed here."
    )
    lines += [
        "",
        "## Latency per validate() call",
        "",
        "| backend | corpus | batch | calls | median | mean | stddev | worst |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in doc["cells"]:
        lat = c["call_latency_s"]
        lines.append(
            f"| {c['backend']} | {c['corpus']} | {c['batch'] or 'all'} | {lat['n']} | {_seconds(lat['median'])} | "
            f"{_seconds(lat['mean'])} | {_seconds(lat['stddev'])} | {_seconds(lat['worst'])} |"
        )
    if doc["comparisons"]:
        lines += [
            "",
            "## Comparisons (throughput)",
            "",
            "The conclusion rests on Mann-Whitney U unless Shapiro-Wilk accepted normality for both samples, "
            "then on Welch's t-test; both p-values are shown. Power, of the t-test on log values at the repetitions "
            f"run: *planned* for the smallest ratio the experiment set out to detect ({1 + doc['effect']:g}, the "
            "spec's `effect`), so a small planned power says the run was too short to see such a difference; "
            "*observed* for the ratio measured. 'needed' is the repetitions per backend for 80% planned power.",
            "",
            "| a / b | corpus | batch | ratio of medians (95% CI) | test | p | MW p | Welch p | Cliff's delta "
            "| Cohen's d | power (planned) | power (observed) | needed |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for c in doc["comparisons"]:
            lines.append(_comparison_row(c, f"{c['corpus']} | {c['batch'] or 'all'}"))
    for b in doc["baselines"]:
        s = b["seconds"]
        lines += [
            "",
            f"## External baseline: {b['name']}",
            "",
            f"{s['n']} timings from `{b['file']}` (measured elsewhere, imported as they are): "
            f"median {_seconds(s['median'])} "
            f"(95% CI {_seconds(s['median_ci'][0])} .. {_seconds(s['median_ci'][1])}). Compared with each backend's "
            "time per decision at the smallest batch size (call time / batch size).",
            "",
            "| a / b | | ratio of medians (95% CI) | test | p | MW p | Welch p | Cliff's delta | Cohen's d "
            "| power (planned) | power (observed) | needed |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for c in b["comparisons"]:
            lines.append(_comparison_row(c, "per decision"))
    if figures:
        lines += ["", "## Figures", ""] + [f"![{f}]({f})" for f in figures if f.endswith(".png")]
    return "\n".join(lines) + "\n"


def _comparison_row(c: dict[str, Any], where: str) -> str:
    normal = {True: "normal", False: "not normal", None: "n/a"}
    test = f"{c['test']} ({normal[c['normal_a']]}, {normal[c['normal_b']]})"
    needed = c["repetitions_for_effect"] if c["repetitions_for_effect"] is not None else "> 10^6"
    return (
        f"| {c['a']} / {c['b']} | {where} | {c['ratio_of_medians']:.3g} "
        f"({c['ratio_ci'][0]:.3g} .. {c['ratio_ci'][1]:.3g}) | "
        f"{test} | {c['p']:.2g} | {c['mann_whitney_p']:.2g} | {c['welch_p']:.2g} | "
        f"{c['cliffs_delta']:+.2f} ({c['cliffs_magnitude']}) | {c['cohens_d']:+.2f} | {c['power_at_n']:.2f} "
        f"| {c.get('power_observed', float('nan')):.2f} | {needed} |"
    )


def summary_lines(doc: dict[str, Any]) -> list[str]:
    """What the terminal shows after a run: each backend's median and each comparison's verdict."""
    lines = []
    for c in doc["cells"]:
        t = c["throughput_dps"]
        lines.append(
            f"{c['backend']:<24} {c['corpus']:<12} batch {c['batch'] or 'all'!s:<8} median {format_rate(t['median'])} "
            f"(95% CI {format_rate(t['median_ci'][0])} .. {format_rate(t['median_ci'][1])}), {t['n']} repetitions"
        )
    for c in doc["comparisons"]:
        verdict = "differ" if c["significant"] else "no significant difference"
        lines.append(
            f"{c['a']} / {c['b']} ({c['corpus']}, batch {c['batch'] or 'all'}): {c['ratio_of_medians']:.3g}x "
            f"(95% CI {c['ratio_ci'][0]:.3g} .. {c['ratio_ci'][1]:.3g}), {c['test']} p = {c['p']:.2g}: {verdict}"
        )
    return lines


def report(out: Path) -> Path:
    doc = analyse(out)
    figures = plot(doc, out)
    write_text_atomic((out / "results.json"), json.dumps(doc, indent=1) + "\n")
    path = out / "report.md"
    write_text_atomic(path, markdown(doc, figures))
    return path
