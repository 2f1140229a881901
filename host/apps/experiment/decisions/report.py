"""The decision-method report: accuracy against the labels, dangerous misses, confusion, latency and
method-by-method agreement, all rebuilt from ``decisions.jsonl``, ``labels.csv`` and ``meta.json``.

Accuracy is counted on the tools a method decided (its coverage is reported beside it), on the
tools every method decided (so methods are compared on the same tools), and per held-out group of
the labelled set. A **dangerous miss** is a REQUIRE_APPROVAL or REJECT tool that was approved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tcphw.atomic import write_text_atomic
from tcphw.contract import RISK_DECISION, Decision
from tcphw.extras import require
from tcphw.host.apps.experiment.report import ReportError, read_json, read_json_lines, read_stored, write_figure
from tcphw.host.apps.tools.accuracy import load_labels
from tcphw.stats import bootstrap_ci

APPROVE = Decision.APPROVE.name
STRICT = {Decision.REQUIRE_APPROVAL.name, Decision.REJECT.name}
ORDER = [d.name for d in Decision]
DETAILS = ("decides_by", "source", "backend", "model", "validation", "file", "url", "imported", "rejected",
           "labelled_tools_held")  # fmt: skip
GROUPS = {"fresh2": "unseen", "fresh": "fresh held-out", "heldout": "held-out", "tuned": "tuned packages"}


def _load(out: Path) -> tuple[list[dict[str, Any]], dict[str, tuple[str, str]], dict[str, Any]]:
    files = [out / n for n in ("decisions.jsonl", "labels.csv", "meta.json")]
    if not all(f.is_file() for f in files):
        raise ReportError(f"{out} holds no finished decision-method run (decisions.jsonl, labels.csv, meta.json)")
    rows = read_json_lines(files[0])
    read_stored(files[1])  # UTF-8, or one line naming the file
    try:
        labels = {label.name: (RISK_DECISION[label.risk].name, label.package) for label in load_labels(files[1])}
    except (ValueError, KeyError) as e:
        raise ReportError(f"{files[1]}: not the run's stored labels ({e})") from e
    return rows, labels, read_json(files[2])


def _metrics(pairs: list[tuple[str, str]], seed: int) -> dict[str, Any]:
    """Agreement of (label decision, method decision) pairs, with the errors that matter named."""
    if not pairs:
        return {"tools": 0}
    agree = np.array([t == p for t, p in pairs], dtype=float)
    lo, hi = bootstrap_ci(agree, stat="mean", n_boot=4000, seed=seed)
    confusion = [[sum(1 for t, p in pairs if t == a and p == b) for b in ORDER] for a in ORDER]
    return {
        "tools": len(pairs),
        "accuracy": float(agree.mean()),
        "accuracy_ci95": [lo, hi],
        "dangerous_misses": sum(t in STRICT and p == APPROVE for t, p in pairs),
        "over_cautious": sum(t == APPROVE and p in STRICT for t, p in pairs),
        "confusion": confusion,
    }


def _latency(samples: list[float]) -> dict[str, Any] | None:
    if not samples:
        return None
    x = np.array(samples)
    return {"n": int(x.size), "median": float(np.median(x)), "p99": float(np.quantile(x, 0.99)),
            "mean": float(x.mean()), "median_ci95": list(bootstrap_ci(x, n_boot=2000, seed=1))}  # fmt: skip


def analyse(out: Path) -> dict[str, Any]:
    rows, labels, meta = _load(out)
    seed = int(meta.get("seed", 0))
    methods = list(meta.get("spec_order") or meta["methods"])
    by: dict[str, dict[str, dict[str, Any]]] = {m: {} for m in methods}
    for r in rows:
        if r["method"] not in by:
            raise ReportError(f"decisions.jsonl names method {r['method']!r}, which meta.json does not")
        by[r["method"]][r["tool"]] = r
    decided = {m: {t for t, r in by[m].items() if r["decision"] is not None} for m in methods}
    common = set(labels).intersection(*decided.values()) if methods else set()
    groups = {key: set(meta["heldout_packages"].get(key, [])) for key in ("fresh2", "fresh", "heldout")}
    held = set().union(*groups.values())
    doc: dict[str, Any] = {"name": meta["name"], "labels": len(labels), "common_tools": len(common),
                           "environment": meta["environment"], "documentation": meta["documentation"],
                           "method_order": meta.get("method_order"), "methods": {}}  # fmt: skip
    for m in methods:
        rs = by[m]

        def pairs(tools: set[str] | None = None, package_in: set[str] | None = None, exclude: set[str] | None = None,
                  m: str = m) -> list[tuple[str, str]]:  # fmt: skip
            out_ = []
            for t in sorted(decided[m]):
                truth, package = labels[t]
                if (
                    (tools is None or t in tools)
                    and (package_in is None or package in package_in)
                    and (exclude is None or package not in exclude)
                ):
                    out_.append((truth, by[m][t]["decision"]))
            return out_

        samples = [s for r in rs.values() for s in (r["seconds"] or [])]
        notes: dict[str, int] = {}
        for r in rs.values():
            if r["note"]:
                notes[r["note"]] = notes.get(r["note"], 0) + 1
        entry: dict[str, Any] = {
            **meta["methods"][m],
            "covered": len(decided[m]),
            "all": _metrics(pairs(), seed),
            "common": _metrics(pairs(common), seed),
            **{key: _metrics(pairs(package_in=groups[key]), seed) for key in groups},
            "tuned": _metrics(pairs(exclude=held), seed),
            "dangerous": sorted(
                f"{t} ({labels[t][0]} -> {r['risk'] or r['decision']})"
                for t, r in rs.items()
                if r["decision"] == APPROVE and labels[t][0] in STRICT
            ),
            "latency_s": _latency(samples),
            "notes": notes,
        }
        batch = meta.get("batch", {}).get(m)
        if batch and "validate_all" in batch:
            n = batch["count"][0] or 1
            entry["batch_per_decision_s"] = {
                "validate": _latency([s / n for s in batch["validate_all"]]),
                "lookup": _latency([s / n for s in batch["lookup_all"]]),
                "batch_size": int(n),
            }
        if batch and "train" in batch:
            entry["training_s"] = {"folds": int(batch["folds"][0]), "per_fold": batch["train"],
                                   "tools_per_fold": batch["train_tools"]}  # fmt: skip
        doc["methods"][m] = entry
    doc["documentation_read_s"] = _read_times(out)
    doc["agreement"] = {
        a: {b: _pair_agreement(by[a], by[b], decided[a] & decided[b]) for b in methods} for a in methods
    }
    watch = meta.get("watch") or []
    doc["watch"] = [
        {"tool": t, "label": labels[t][0], **{m: _named(by[m].get(t)) for m in methods}} for t in watch if t in labels
    ]
    return doc


def _read_times(out: Path) -> dict[str, Any] | None:
    """How long reading each tool's documentation took (a cost the rules and the models pay unless it is stored)."""
    import gzip

    path = out / "documentation.jsonl.gz"
    if not path.is_file():
        return None
    with gzip.open(path, "rt") as f:
        return _latency([d["read_seconds"] for d in map(json.loads, f) if d.get("read_seconds") is not None])


def _named(r: dict[str, Any] | None) -> str | None:
    if r is None or r["decision"] is None:
        return None
    return f"{r['decision']} ({r['risk']})" if r["risk"] else r["decision"]


def _pair_agreement(a: dict[str, Any], b: dict[str, Any], tools: set[str]) -> dict[str, Any]:
    same = sum(a[t]["decision"] == b[t]["decision"] for t in tools)
    return {"tools": len(tools), "agreement": same / len(tools) if tools else None}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _acc(m: dict[str, Any]) -> str:
    if not m.get("tools"):
        return "n/a"
    lo, hi = m["accuracy_ci95"]
    return f"{_pct(m['accuracy'])} ({_pct(lo)} .. {_pct(hi)}), n={m['tools']}"


def _time(x: float | None) -> str:
    if x is None:
        return "not measured"
    return f"{x * 1e6:.3g} µs" if x < 1e-3 else f"{x * 1e3:.3g} ms" if x < 1 else f"{x:.3g} s"


def plot(doc: dict[str, Any], out: Path) -> list[str]:
    matplotlib = require("analysis", "matplotlib", "plotting")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(doc["methods"])
    written: list[str] = []
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(names) + 1.8))
    keys = [("all", "every labelled tool it decided", "#4477aa"), ("fresh2", "unseen packages", "#ee6677")]
    for k, (key, title, colour) in enumerate(keys):
        ys = np.arange(len(names)) + (k - 0.5) * 0.35
        ms = [doc["methods"][n][key] for n in names]
        acc = np.array([m.get("accuracy", np.nan) for m in ms])
        lo = np.array([m["accuracy_ci95"][0] if m.get("tools") else np.nan for m in ms])
        hi = np.array([m["accuracy_ci95"][1] if m.get("tools") else np.nan for m in ms])
        ax.barh(ys, acc * 100, height=0.35, xerr=[(acc - lo) * 100, (hi - acc) * 100], capsize=3, color=colour,
                label=title)  # fmt: skip
        for y, m in zip(ys, ms, strict=True):
            if m.get("tools"):
                ax.text(1, y, f"{m['dangerous_misses']} dangerous", va="center", fontsize=7, color="white")
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("decisions equal to the label, % (95% bootstrap CI)")
    ax.set_title(f"{doc['name']}: accuracy ({doc['labels']} labelled tools)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8)
    written += write_figure(fig, out, "accuracy")

    rows = read_json_lines(out / "decisions.jsonl")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for n in names:
        x = np.sort([s for r in rows if r["method"] == n for s in (r["seconds"] or [])])
        if x.size:
            ax.step(x, np.arange(1, x.size + 1) / x.size, where="post", label=f"{n} (n={x.size})")
    ax.set_xscale("log")
    ax.set_xlabel("seconds per decision (log scale)")
    ax.set_ylabel("fraction of decisions at most this long")
    ax.set_title("latency per decision (methods with measured times)")
    ax.grid(True, which="both", lw=0.3)
    ax.legend(fontsize=8)
    written += write_figure(fig, out, "latency")

    matrix = np.array([[doc["agreement"][a][b]["agreement"] or np.nan for b in names] for a in names], dtype=float)
    fig, ax = plt.subplots(figsize=(1.1 * len(names) + 2.5, 0.9 * len(names) + 1.8))
    im = ax.imshow(matrix * 100, vmin=0, vmax=100, cmap="viridis")
    for i in range(len(names)):
        for j in range(len(names)):
            if not np.isnan(matrix[i, j]):
                ax.text(j, i, f"{100 * matrix[i, j]:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if matrix[i, j] < 0.6 else "black")  # fmt: skip
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_title("same decision, % of the tools both decided")
    fig.colorbar(im, ax=ax, fraction=0.046)
    written += write_figure(fig, out, "agreement")
    return written


def markdown(doc: dict[str, Any], figures: list[str]) -> str:
    names = list(doc["methods"])
    env = doc["environment"]
    ms = doc["methods"]
    lines = [
        f"# {doc['name']}: how each method decides",
        "",
        f"{doc['labels']} labelled tools; {doc['common_tools']} were decided by every method. Machine: "
        f"{env.get('cpu_model', '?')}, {env.get('cores', '?')} cores, {env.get('os', '?')}. Documentation read here: "
        + ", ".join(f"{k} {v}" for k, v in doc["documentation"].items())
        + "."
        + (
            f" Reading it took {_time(doc['documentation_read_s']['median'])} per tool (median; p99 "
            f"{_time(doc['documentation_read_s']['p99'])}): a cost the rules and the models pay at decision time "
            "unless the text is stored, and the descriptor pays once, at scan time."
            if doc.get("documentation_read_s")
            else ""
        ),
        "",
        "## Dangerous misses (labelled REQUIRE_APPROVAL or REJECT, approved)",
        "",
    ]
    for n in names:
        d = ms[n]["dangerous"]
        lines.append(f"- **{n}**: {len(d)}" + (f" ({', '.join(d[:30])}{', ...' if len(d) > 30 else ''})" if d else ""))
    lines += [
        "",
        "## Accuracy and latency",
        "",
        "| method | covered | accuracy, tools it decided | accuracy, common tools | dangerous | over-cautious "
        "| median per decision | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in names:
        m = ms[n]
        lat = m["latency_s"] or {}
        lines.append(
            f"| {n} | {m['covered']} | {_acc(m['all'])} | {_acc(m['common'])} | {m['all'].get('dangerous_misses', 0)} "
            f"| {m['all'].get('over_cautious', 0)} | {_time(lat.get('median'))} | {_time(lat.get('p99'))} |"
        )
    lines += ["", "## By split of the labelled set", "",
              "| method | " + " | ".join(GROUPS.values()) + " |", "|---" + "|---:" * len(GROUPS) + "|"]  # fmt: skip
    for n in names:
        cells = [f"{_acc(ms[n][k])}, {ms[n][k].get('dangerous_misses', 0)} dangerous" for k in GROUPS]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    lines += ["", "## Timing detail", ""]
    for n in names:
        m = ms[n]
        bits = [f"**{n}** ({m['method']})"]
        if "batch_per_decision_s" in m:
            b = m["batch_per_decision_s"]
            validate, lookup = _time(b["validate"]["median"]), _time(b["lookup"]["median"])
            bits.append(
                f"per decision in one batch of {b['batch_size']}: validate {validate}, lookup {lookup} (medians)"
            )
        if "training_s" in m:
            t = m["training_s"]
            per_fold, tools = _time(float(np.median(t["per_fold"]))), int(np.median(t["tools_per_fold"]))
            bits.append(f"training: {t['folds']} folds, median {per_fold} per fold (about {tools} tools each)")
        if m["latency_s"] is None:
            bits.append("no measured times (the file carries none; none are invented)")
        for note, count in sorted(m["notes"].items()):
            bits.append(f"{count} x {note}")
        details = {k: v for k, v in m.items() if k in DETAILS}
        bits += [f"{k}: {v}" for k, v in details.items()]
        lines.append("- " + "; ".join(bits) + ".")
    lines += ["", "## Agreement between methods (same decision, % of the tools both decided)", "",
              "| | " + " | ".join(names) + " |", "|---" + "|---:" * len(names) + "|"]  # fmt: skip
    for a in names:
        lines.append(f"| {a} | " + " | ".join(_pct(doc["agreement"][a][b]["agreement"]) for b in names) + " |")
    lines += ["", "## Confusion by decision (rows: label, columns: decided)", ""]
    for n in names:
        lines += [f"**{n}**", "", "| label \\ decided | " + " | ".join(o.replace("REQUIRE_", "REQ_") for o in ORDER)
                  + " |", "|---" * (len(ORDER) + 1) + "|"]  # fmt: skip
        for o, row in zip(ORDER, ms[n]["all"].get("confusion", [[0] * 4] * 4), strict=True):
            lines.append(f"| **{o.replace('REQUIRE_', 'REQ_')}** | " + " | ".join(map(str, row)) + " |")
        lines.append("")
    if doc["watch"]:
        lines += ["## Named tools", "", "| tool | label | " + " | ".join(names) + " |",
                  "|---|---" + "|---" * len(names) + "|"]  # fmt: skip
        for w in doc["watch"]:
            lines.append(f"| {w['tool']} | {w['label']} | " + " | ".join(str(w[n] or "-") for n in names) + " |")
        lines.append("")
    lines += [f"![{f.split('.')[0]}]({f})" for f in figures if f.endswith(".png")]
    return "\n".join(lines) + "\n"


def summary_lines(doc: dict[str, Any]) -> list[str]:
    out = []
    for n, m in doc["methods"].items():
        lat = m["latency_s"] or {}
        out.append(f"{n:<22} accuracy {_acc(m['all'])}, dangerous misses {m['all'].get('dangerous_misses', 0)}, "
                   f"median {_time(lat.get('median'))} per decision")  # fmt: skip
    return out


def report(out: Path) -> Path:
    doc = analyse(out)
    figures = plot(doc, out)
    write_text_atomic(out / "results.json", json.dumps(doc, indent=1) + "\n")
    path = out / "report.md"
    write_text_atomic(path, markdown(doc, figures))
    return path
