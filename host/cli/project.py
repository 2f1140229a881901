"""``tcphw project``: ASIC projections from the measured netlist and cited per-node figures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from tcphw.host.cli.design_space import LANES, lanes_text
from tcphw.host.cli.errors import InputError, check_output_folder, int_list


@click.command()
@click.option("--lanes", "lanes", multiple=True, help=f"lane counts: {lanes_text()}; 1,8 or repeated (default: all)")
@click.option("--node", "node_list", type=int, multiple=True, help="nodes in nm (default: every node with figures)")
@click.option("--bus-bits", type=click.IntRange(24 * 8, 8192), default=512, show_default=True,
              help="input bus width per cycle (assumption: caps throughput at bus/24 bytes)")  # fmt: skip
@click.option("--liberty", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="also map to this cell library with Yosys/ABC and report its cell area")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/projections"),
              show_default=True)  # fmt: skip
@click.option("--no-software", is_flag=True, help="skip measuring the software backend here")
@click.option("--json", "as_json", is_flag=True, help="print the projections as JSON")
def project(
    lanes: tuple[str, ...], node_list: tuple[int, ...], bus_bits: int, liberty: Path | None, out: Path,
    no_software: bool, as_json: bool,
) -> None:  # fmt: skip
    """PROJECTED clock, latency, throughput, area and energy per node, beside MEASURED points."""
    # load-time: tcphw --help imports every command module; the projections load Amaranth and numpy
    from tcphw.projections.figures import nodes
    from tcphw.projections.netlist import NetlistError
    from tcphw.projections.report import markdown, run, write

    unknown = sorted(set(node_list) - set(nodes()))
    if unknown:
        raise InputError(f"--node: no figures for {unknown[0]} nm; nodes: {', '.join(str(n) for n in nodes())}")
    lane_list = int_list("--lanes", lanes, LANES) or list(LANES)
    check_output_folder("--out", out)  # before minutes of netlists and measurement
    if liberty is not None:
        head = liberty.read_bytes()[: 1 << 20].decode("utf-8", "replace")
        if not re.search(r"\blibrary\s*\(", head):
            raise InputError(f"--liberty {liberty}: not a Liberty cell library (no 'library (...)' group)")
    try:
        doc = run(lane_list, list(node_list) or None, bus_bits=bus_bits, liberty=liberty,
                  software=None if no_software else measured_software())  # fmt: skip
    except NetlistError as e:
        raise InputError(f"{e}") from e
    files = write(doc, out)
    if as_json:
        click.echo(json.dumps(doc, indent=1, default=str))
        return
    click.echo(markdown(doc))
    click.echo("wrote " + ", ".join(files))


def measured_software(count: int = 1_000_000, repeat: int = 5) -> dict[str, Any]:
    """The numba software backend on this machine, now: median of ``repeat`` timed runs."""
    import time

    import numpy as np

    # load-time: tcphw --help imports every command module; numpy and the backends, only to measure software here
    from tcphw.descriptors.generate import generate
    from tcphw.host.backends import open_backend

    rows, _ = generate(count, seed=1)
    with open_backend("software") as backend:
        backend.validate(rows[:1000])  # compile
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            backend.validate(rows)
            seconds.append(time.perf_counter() - started)
        single = []
        for _ in range(200):
            started = time.perf_counter()
            backend.validate(rows[:1])
            single.append(time.perf_counter() - started)
        info = backend.info()
    return {
        "kind": "measured software (this machine)",
        "backend": info.get("description", "software"),
        "throughput_dps": count / float(np.median(seconds)),
        "latency_ns": float(np.median(single)) * 1e9,
        "runs": repeat,
        "count": count,
    }
