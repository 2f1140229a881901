"""``tcphw project`` / ``make projections``: projections per node and lane count, beside measured
points (FPGA post-route results from validator-synth.json, shipped in projections/data, a link to
docs/synth in the checkout; the software backend, measured by the caller), as a Markdown table, JSON
and plots in ``build/projections/``.
Projected numbers are always labelled projected; measured ones, measured.
"""

from __future__ import annotations

import json
import math
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from tcphw.atomic import save_figure, write_text_atomic
from tcphw.extras import require

from .figures import nodes
from .model import DEFAULT_BUS_BITS, project
from .netlist import measure

# The measured FPGA figures ship with the package (in the checkout, a link to docs/synth, which
# `make synth` rewrites), so an installed tcphw projects with them too.
FPGA_NODE_NM = 40  # iCE40 UP5K and ECP5 are 40 nm parts: where their measured points are drawn
SYNTH_JSON = Path(str(files("tcphw.projections") / "data" / "validator-synth.json"))


def measured_fpga(path: Path = SYNTH_JSON, lanes: list[int] | None = None) -> list[dict[str, Any]]:
    """Post-route FPGA results (tcphw synth), labelled as measured, for the lane counts asked for."""
    if not path.exists():
        return []
    doc = json.loads(path.read_text())
    tools = ", ".join(f"{k} {v}" for k, v in doc.get("tools", {}).items())
    machine = doc.get("machine") or "machine not recorded (runs before it was: docs/synth says the 2-vCPU dev machine)"
    return [
        {
            "kind": "measured FPGA (post-route, nextpnr)",
            "device": r["device"],
            "crc_style": r.get("crc_style", "tree"),
            "pipeline": r["pipeline"],
            "lanes": r["lanes"],
            "fmax_hz": r["fmax_mhz"] * 1e6,
            "throughput_dps": r["descriptors_per_s"],
            "latency_ns": r["pipeline"] / (r["fmax_mhz"] * 1e6) * 1e9,
            "luts": r["luts"],
            "source": f"{path.name}: tcphw {doc.get('tcphw_version', '?')} synth; {tools}; {machine}",
        }
        for r in doc["results"]
        if lanes is None or r["lanes"] in lanes
    ]


def run(
    lanes: list[int], node_list: list[int] | None, *, bus_bits: int = DEFAULT_BUS_BITS, liberty: Path | None = None,
    software: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The projections for ``lanes`` x nodes, beside the measured FPGA rows and ``software`` (a measurement
    of the software backend made by the caller: projections import nothing of the host)."""
    table = nodes()
    chosen = node_list or list(table)
    netlists = {n: measure(n) for n in lanes}
    projections = [project(netlists[n], nm, bus_bits=bus_bits).as_dict() for n in lanes for nm in chosen]
    doc: dict[str, Any] = {
        "bus_bits": bus_bits,
        "netlists": {n: netlists[n].as_dict() for n in lanes},
        "nodes": {nm: table[nm].__dict__ for nm in chosen},
        "projections": projections,
        "measured": {
            "fpga": measured_fpga(lanes=lanes),
            "software": software,
        },
    }
    if liberty is not None:
        doc["liberty"] = {n: measure(n, liberty=liberty).as_dict() for n in lanes}
    return doc


def _fmt(x: float, unit: str) -> str:
    scales = (("G", 1e9), ("M", 1e6), ("k", 1e3), ("", 1.0), ("m", 1e-3), ("µ", 1e-6), ("n", 1e-9), ("p", 1e-12))
    for prefix, scale in scales:
        if abs(x) >= scale:
            return f"{x / scale:.3g} {prefix}{unit}"
    return f"{x:.3g} {unit}"


def _sig(x: float, digits: int = 3) -> str:
    """``digits`` significant digits, thousands separated, never in exponent form."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    places = digits - 1 - math.floor(math.log10(abs(x)))
    return f"{round(x, places):,.{max(places, 0)}f}"


def fixed(b: dict[str, float], unit: str, k: float = 1.0) -> str:
    """One unit for a whole column (fJ, pJ, G/J, mm²), so rows compare at a glance."""
    return f"{_sig(b['value'] * k)} {unit} ({_sig(b['low'] * k)} .. {_sig(b['high'] * k)})"


def area(p: dict[str, Any]) -> str:
    return fixed(p["area_um2"], "mm²", 1e-6)


def markdown(doc: dict[str, Any]) -> str:
    lines = [
        "# Projections (PROJECTED, not measured) beside measured points",
        "",
        "Every projected figure comes from the measured netlist (below) and the cited per-node figures "
        "(`projections/figures.py`, method in `docs/projections.md`); `value (low .. high)`.",
        "",
        "| lanes | generic gates | flops | depth (gates) | NAND2 eq. |",
        "|---|---|---|---|---|",
    ]
    for n, net in doc["netlists"].items():
        lines.append(f"| {n} | {net['gates']} | {net['flops']} | {net['depth']} | {net['nand2_equivalents']:.0f} |")
    lines += [
        "",
        f"Input bus assumed: {doc['bus_bits']} bits a cycle.",
        "",
        "| node | status | lanes | clock | latency | throughput | area | energy/descriptor | power | per W | per mm² |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in doc["projections"]:

        def band(key: str, unit: str, k: float = 1.0, p: dict[str, Any] = p) -> str:
            b = p[key]
            return f"{_fmt(b['value'] * k, unit)} ({_fmt(b['low'] * k, unit)} .. {_fmt(b['high'] * k, unit)})"

        lines.append(
            f"| {p['node_nm']} nm | PROJECTED ({p['status']}) | {p['lanes']} | {band('frequency_hz', 'Hz')} | "
            f"{band('latency_ns', 's', 1e-9)} | {band('throughput_dps', '/s')}"
            f"{' (bus-bound)' if p['bus_bound'] else ''} | "
            f"{area(p)} | {fixed(p['energy_per_descriptor_fj'], 'pJ', 1e-3)} | {band('power_w', 'W')} | "
            f"{fixed(p['throughput_per_w'], 'G/J', 1e-9)} | {fixed(p['throughput_per_mm2'], 'G/s/mm²', 1e-9)} |"
        )
    lines += ["", "## Measured", "", "| what | lanes | clock | latency | throughput |", "|---|---|---|---|---|"]
    for m in doc["measured"]["fpga"]:
        stages = f"{m['pipeline']} stage" + ("" if m["pipeline"] == 1 else "s")
        lines.append(
            f"| MEASURED {m['device']} post-route ({m['crc_style']} CRC, {stages}) | {m['lanes']} | "
            f"{_fmt(m['fmax_hz'], 'Hz')} | "
            f"{_fmt(m['latency_ns'] * 1e-9, 's')} | {_fmt(m['throughput_dps'], '/s')} |"
        )
    sw = doc["measured"]["software"]
    if sw:
        lines.append(
            f"| MEASURED software backend, this machine ({sw['runs']} runs, median) | - | - | "
            f"{_fmt(sw['latency_ns'] * 1e-9, 's')} (one descriptor a call) | {_fmt(sw['throughput_dps'], '/s')} |"
        )
    sources = sorted({m["source"] for m in doc["measured"]["fpga"]})
    if sources:  # after the table's last row: a line between rows would end the table there
        lines += ["", "Measured FPGA rows: " + "; ".join(sources) + "."]
    lines += ["", "Assumptions that apply to every projected row:"]
    lines += [f"- {a}" for a in doc["projections"][0]["assumptions"][1:]] if doc["projections"] else []
    lines += [f"- {nm} nm: {info['note']}" for nm, info in doc["nodes"].items() if info["status"] != "published"]
    return "\n".join(lines) + "\n"


def plot(doc: dict[str, Any], out: Path) -> list[str]:
    matplotlib = require("analysis", "matplotlib", "plotting")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("throughput_dps", "descriptors / s"),
        ("latency_ns", "latency (ns)"),
        ("energy_per_descriptor_fj", "energy per descriptor (fJ)"),
        ("area_um2", "area (µm²)"),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5))
    lanes = sorted({p["lanes"] for p in doc["projections"]})
    colour = {n: f"C{i}" for i, n in enumerate(lanes)}  # one colour per lane count, lines and measured points alike
    node_list = sorted({p["node_nm"] for p in doc["projections"]}, reverse=True)
    devices = sorted({m["device"] for m in doc["measured"]["fpga"]})
    shape = dict(zip(devices, ["s", "D", "^", "v"], strict=False))
    for ax, (key, label) in zip(axes.flat, panels, strict=True):
        series = {}
        for n in lanes:
            ps = sorted((p for p in doc["projections"] if p["lanes"] == n), key=lambda p: -p["node_nm"])
            series[n] = (
                [p["node_nm"] for p in ps],
                np.array([p[key]["value"] for p in ps]),
                np.array([p[key]["low"] for p in ps]),
                np.array([p[key]["high"] for p in ps]),
            )
        # Series within 5% of each other (on log axes spanning decades) are one line to the eye: draw each
        # group once, named by every lane count in it (4 and 8 lanes share the input bus's cap, latency and
        # energy per descriptor do not depend on lanes).
        groups: list[list[int]] = []
        for n in lanes:
            for g in groups:
                if np.allclose(series[n][1], series[g[0]][1], rtol=0.05):
                    g.append(n)
                    break
            else:
                groups.append([n])
        for g in groups:
            x, v, lo, hi = series[g[0]]
            if len(g) == 1:
                name = f"{g[0]} lane{'s' if g[0] > 1 else ''}"
            else:
                name = f"{', '.join(map(str, g))} lanes (within 5%; {g[0]} shown)"
            line_colour = colour[g[0]] if len(g) == 1 or len(groups) > 1 else "0.3"
            ax.errorbar(x, v, yerr=[v - lo, hi - v], fmt="o-", capsize=3, color=line_colour,
                        label=f"PROJECTED, {name}")  # fmt: skip
        if key in ("throughput_dps", "latency_ns"):
            for m in doc["measured"]["fpga"]:
                if m["lanes"] in lanes:
                    y = m["throughput_dps"] if key == "throughput_dps" else m["latency_ns"]
                    dx = 1.0 + 0.06 * (devices.index(m["device"]) - (len(devices) - 1) / 2)  # side by side at 40 nm
                    stages = f"{m['pipeline']} stage" + ("" if m["pipeline"] == 1 else "s")
                    ax.scatter([FPGA_NODE_NM * dx], [y], marker=shape[m["device"]], s=55, zorder=5,
                               color=colour[m["lanes"]],
                               edgecolors="black", linewidths=0.8,
                               label=f"MEASURED {m['device']}, {m['lanes']} lane{'s' if m['lanes'] > 1 else ''}, "
                               f"{m['crc_style']} CRC, {stages}")  # fmt: skip
            sw = doc["measured"]["software"]
            if sw:
                y = sw["throughput_dps"] if key == "throughput_dps" else sw["latency_ns"]
                ax.axhline(y, color="black", ls="--", lw=1, label="MEASURED software (this machine)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        # The measured FPGA points sit at 40 nm: the axis reaches them even when the nodes asked for do not
        # (28 and 7 nm alone put them off the plot while the legend still listed them).
        shown = [*node_list, FPGA_NODE_NM] if doc["measured"]["fpga"] else list(node_list)
        ticks = sorted({n for n in shown if n not in (20, 16, 14)}, reverse=True)  # every label that fits
        ax.set_xticks(ticks, [f"{n}" for n in ticks], fontsize=8)
        ax.minorticks_off()
        ax.set_xlim(max(shown) * 1.25, min(shown) / 1.25)  # inverted: old nodes left, new nodes right
        ax.set_xlabel("process node (nm)")
        ax.set_ylabel(label)
        ax.grid(True, which="major", alpha=0.3)
    handles: dict[str, Any] = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), fontsize=8.5, loc="lower center", ncol=3, frameon=False)
    fig.suptitle(
        "tcphw validator: PROJECTED per node (bands: scaling vs cell library, activity) and MEASURED points\n"
        "measured FPGA points sit at 40 nm (iCE40 UP5K and ECP5 are 40 nm parts); colour = lane count, shape = device",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.03 + 0.022 * ((len(handles) + 2) // 3), 1, 0.97))
    written = []
    for ext in ("png", "svg"):
        save_figure(fig, out / f"projections.{ext}")
        written.append(str(out / f"projections.{ext}"))
    plt.close(fig)
    return written


def write(doc: dict[str, Any], out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic((out / "projections.json"), json.dumps(doc, indent=1, default=str) + "\n")
    write_text_atomic((out / "projections.md"), markdown(doc))
    return [str(out / "projections.json"), str(out / "projections.md"), *plot(doc, out)]
