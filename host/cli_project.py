"""``tcphw project``: ASIC projections from the measured netlist and cited per-node figures."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_errors import InputError


@click.command()
@click.option(
    "--lanes", "lanes", type=click.Choice(["1", "2", "4", "8"]), multiple=True, help="lane counts (default: all)"
)
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
    from tcphw.projections.figures import nodes
    from tcphw.projections.report import markdown, run, write

    unknown = sorted(set(node_list) - set(nodes()))
    if unknown:
        raise InputError(f"no figures for {unknown[0]} nm; nodes: {', '.join(str(n) for n in nodes())}")
    doc = run([int(n) for n in lanes] or [1, 2, 4, 8], list(node_list) or None, bus_bits=bus_bits, liberty=liberty,
              measure_software=not no_software)  # fmt: skip
    files = write(doc, out)
    if as_json:
        click.echo(json.dumps(doc, indent=1, default=str))
        return
    click.echo(markdown(doc))
    click.echo("wrote " + ", ".join(files))
