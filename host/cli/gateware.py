"""``tcphw export`` and ``tcphw synth``: the validator core for other toolchains, and its synthesis figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tcphw.atomic import write_text_atomic
from tcphw.hdl.families import devices as registered_devices
from tcphw.host.cli.design_space import CORE_DEPTHS, LANES, SYNTH_DEPTHS, span
from tcphw.host.cli.errors import OUT_HELP, InputError, check_output_dir, check_output_folder, input_errors

LANE_CHOICES = tuple(map(str, LANES))


class DeviceChoice(click.Choice[str]):
    """The devices of every registered FPGA family (``hdl/families/``), read when the option is parsed or
    shown rather than when this module loads, so a family registered later is offered too."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(registered_devices())

    @choices.setter
    def choices(self, value: object) -> None:  # click's __init__ assigns it; the registry is the source
        pass


@click.command()
@click.option(
    "--lanes", "-l", type=click.Choice(LANE_CHOICES), default="1", show_default=True, help="Descriptors per cycle."
)
@click.option(
    "--pipeline",
    "-p",
    type=click.IntRange(CORE_DEPTHS.start, CORE_DEPTHS.stop - 1),
    default=2,
    show_default=True,
    help=f"Register stages = latency in cycles, {span(CORE_DEPTHS)} (0: combinational, no clock or reset port).",
)
@click.option("--top", default="tcphw_validator", show_default=True, help="Verilog module name.")
@click.option(
    "--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True, help=f"Output .v file. {OUT_HELP}"
)
@input_errors
def export(lanes: str, pipeline: int, top: str, out: Path) -> None:
    """Write the validator core as standalone Verilog with a documented port list."""
    # load-time: tcphw --help imports every command module; the gateware loads Amaranth
    from tcphw.hdl.export import export_verilog

    if not top.isidentifier():
        raise InputError(f"--top {top!r} is not a valid Verilog module name")
    check_output_dir("--out", out)
    text = export_verilog(int(lanes), pipeline, top=top)
    try:
        write_text_atomic(out, text)
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror}") from e
    click.echo(f"wrote {out}: module {top}, lanes={lanes}, pipeline={pipeline}, latency {pipeline} cycles", err=True)


@click.command()
@click.option(
    "--device",
    "-d",
    "devices",
    multiple=True,
    type=DeviceChoice(),
    help="Device (repeatable; default every one).",
)
@click.option(
    "--lanes",
    "-l",
    "lanes",
    multiple=True,
    type=click.Choice(LANE_CHOICES),
    help="Lane count (repeatable; default all).",
)
@click.option(
    "--pipeline",
    "-p",
    type=click.IntRange(SYNTH_DEPTHS.start, SYNTH_DEPTHS.stop - 1),
    default=2,
    show_default=True,
    help=f"Register stages, {span(SYNTH_DEPTHS)}: the Fmax harness clocks and resets the core, and a core with no "
    "stage has neither port (tcphw export writes one).",
)
@click.option(
    "--serial/--no-serial",
    default=None,
    help="Also build the CRC-style comparison (one lane, one stage, tree and bit-serial CRC). Default: only when "
    "no --device or --lanes is given (the full table of make synth).",
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="nextpnr's placement seed.")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/synth"),
    show_default=True,
    help="Folder for validator-synth.json and .md.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON document on stdout.")
@input_errors
def synth(
    devices: tuple[str, ...],
    lanes: tuple[str, ...],
    pipeline: int,
    serial: bool | None,
    seed: int,
    out: Path,
    as_json: bool,
) -> None:
    """Synthesize, place and route the core (YoWASP Yosys + nextpnr): LUTs, FFs, logic levels, Fmax.

    Exit status 1 when a build fails (a tool error, kept in its log); a configuration that does not fit the
    device is a result, reported as such."""
    # load-time: tcphw --help imports every command module; the gateware loads Amaranth
    from tcphw.hdl.synth import SynthError, run_synth

    check_output_folder("--out", out)
    try:
        doc = run_synth(
            devices or tuple(registered_devices()),
            [int(n) for n in lanes] or list(LANES),
            pipeline,
            out,
            compare_serial=serial if serial is not None else not (devices or lanes),
            progress=lambda line: click.echo(line, err=True),
            seed=seed,
        )
    except SynthError as e:
        raise click.ClickException(str(e)) from e
    except OSError as e:
        raise InputError(f"cannot write to {out}: {e.strerror}") from e
    if as_json:
        json.dump(doc, sys.stdout, indent=2)
        click.echo()
    else:
        click.echo((out / "validator-synth.md").read_text())
    failed = [f for f in doc["failures"] if not f.get("no_fit")]
    if failed:
        builds = "; ".join(
            f"{f['device']} lanes={f['lanes']} pipeline={f['pipeline']} {f['crc_style']}" for f in failed
        )
        raise click.ClickException(f"{len(failed)} build(s) failed: {builds} (each log is named above)")
