"""``tcphw sim`` and ``tcphw formal``: the gateware's cocotb benches and SymbiYosys proofs.

They replace the argparse mains of ``tcphw.sim.runner`` and ``tcphw.hdl.formal``, so the Makefile
calls only ``tcphw``. A failed test or proof exits 1; bad input exits 2 before anything is built.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from tcphw.host.cli.design_space import CORE_DEPTHS, FORMAL_DEPTHS, LANES, lanes_text, span
from tcphw.host.cli.errors import InputError, int_list


@click.command()
@click.option(
    "--lanes", "lanes_raw", multiple=True, help=f"lane counts: {lanes_text()}; 1,8 or repeated (default: all)"
)
@click.option("--pipeline", type=click.IntRange(CORE_DEPTHS.start, CORE_DEPTHS.stop - 1), default=2, show_default=True,
              help=f"validator pipeline depth, {span(CORE_DEPTHS)} (0: combinational)")  # fmt: skip
@click.option("--sim", "simulator", type=click.Choice(("verilator", "icarus")),
              default=lambda: os.environ.get("SIM") or "verilator", show_default="verilator, or $SIM")  # fmt: skip
@click.option("--target", type=click.Choice(("core", "top", "all")), default=lambda: os.environ.get("TARGET") or "all",
              show_default="all, or $TARGET",
              help="core: the validator's tests; top: the board top's pin-level link tests")  # fmt: skip
@click.option("--count", type=click.IntRange(1, 10_000_000), default=None, help="random descriptors in the long test")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--testcase", default=lambda: os.environ.get("TESTCASE") or None, help="run one test (also $TESTCASE)")
@click.option("--waves", is_flag=True, help="write waveforms and a GTKWave save file (also WAVES=1)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object per run instead of the summary line")
def sim(lanes_raw: tuple[str, ...], pipeline: int, simulator: str, target: str, count: int | None, seed: int,
        testcase: str | None, waves: bool, as_json: bool) -> None:  # fmt: skip
    """cocotb testbenches: the validator core per lane count, and the whole board top at pin level."""
    # load-time: tcphw --help imports every command module; the testbenches' runner loads Amaranth, the corpus numpy
    from tcphw.descriptors.corpus import CorpusError, load_corpus
    from tcphw.sim.runner import SimulatorMissing, prepare_simulator, run_top_sim, run_validator_sim, sim_link_config

    lanes = int_list("--lanes", lanes_raw, LANES) or list(LANES)
    try:
        prepare_simulator(simulator)
        if os.environ.get("TCPHW_CORPUS"):  # the user's corpus is checked before minutes of building
            load_corpus(Path(os.environ["TCPHW_CORPUS"]))
    except (SimulatorMissing, CorpusError) as e:
        raise InputError(str(e)) from e
    failures = 0
    kinds = ("core", "top") if target == "all" else (target,)
    runs = [(kind, n) for kind in kinds for n in lanes]
    for kind, n in runs:
        if kind == "core":
            r = run_validator_sim(n, pipeline, simulator=simulator, count=count, seed=seed, testcase=testcase,
                                  waves=waves)  # fmt: skip
        else:
            r = run_top_sim(sim_link_config(n), simulator=simulator, seed=seed, testcase=testcase, waves=waves)
        if as_json:
            record = {"target": kind, "lanes": n, "pipeline": r.pipeline, "simulator": r.simulator, "tests": r.tests,
                      "failed": r.failed, "seconds": r.seconds, "ok": r.ok, "results": str(r.results_xml),
                      "waves": str(r.waves) if r.waves else None}  # fmt: skip
            click.echo(json.dumps(record))
        else:
            click.echo(f"{'PASS' if r.ok else 'FAIL'} {r.simulator} {kind} lanes={n} pipeline={r.pipeline}: "
                       f"{r.tests - r.failed}/{r.tests} tests in {r.seconds:.1f} s ({r.results_xml})")  # fmt: skip
            if r.waves:
                click.echo(f"     waves: {r.waves}  view: gtkwave {r.waves.with_suffix('.gtkw')}")
        failures += not r.ok
    if failures:
        raise SystemExit(1)


@click.command()
@click.option(
    "--lanes", "lanes_raw", multiple=True, help=f"lane counts: {lanes_text()}; 1,8 or repeated (default: all)"
)
@click.option(
    "--pipeline",
    "pipeline_raw",
    multiple=True,
    help=f"pipeline depths {span(FORMAL_DEPTHS)} (default: 2); the comb task proves depth 0 itself",
)
@click.option("--task", "tasks", multiple=True, help="comb, pipeline, handshake, cover (default: all)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object per proof instead of the summary line")
def formal(lanes_raw: tuple[str, ...], pipeline_raw: tuple[str, ...], tasks: tuple[str, ...], as_json: bool) -> None:
    """SymbiYosys proofs: the core equals an independent spec for every input; pipeline and handshake."""
    # load-time: tcphw --help imports every command module; the proofs load Amaranth
    from tcphw.hdl.formal import TASKS, run_formal

    lanes = int_list("--lanes", lanes_raw, LANES) or list(LANES)
    pipelines = int_list("--pipeline", pipeline_raw, FORMAL_DEPTHS) or [2]
    chosen = [t for raw in tasks for t in raw.replace(",", " ").split()] or list(TASKS)
    unknown = [t for t in chosen if t not in TASKS]
    if unknown:
        raise InputError(f"--task: {unknown[0]!r} is not one of {', '.join(TASKS)}")
    failed = 0
    for n in lanes:
        for pipeline in pipelines:
            for task in chosen:
                if task == "comb" and pipeline != pipelines[0]:
                    continue  # the combinational core does not depend on the pipeline depth
                r = run_formal(n, 0 if task == "comb" else pipeline, task)
                if as_json:
                    click.echo(json.dumps({"task": task, "lanes": n, "pipeline": r.pipeline, "passed": r.passed,
                                           "seconds": r.seconds, "log": str(r.log)}))  # fmt: skip
                else:
                    click.echo(f"{'PASS' if r.passed else 'FAIL'} {task:9} lanes={n} pipeline={r.pipeline} "
                               f"in {r.seconds:5.1f} s  ({r.log})")  # fmt: skip
                failed += not r.passed
    if failed:
        raise SystemExit(1)
