"""``tcphw boards``, ``tcphw bitstream``, ``tcphw flash``, ``tcphw doctor``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tcphw.host.cli.errors import InputError


def _board(name: str):  # type: ignore[no-untyped-def]
    # load-time: tcphw --help imports every command module; the boards load Amaranth
    from tcphw.boards import BoardError, get_board

    try:
        return get_board(name)
    except BoardError as e:
        raise InputError(str(e)) from e


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the board list as JSON.")
def boards(as_json: bool) -> None:
    """List the supported boards and the gateware each one gets."""
    # load-time: tcphw --help imports every command module; the boards load Amaranth
    from tcphw.boards import all_boards

    rows = [b.summary() for b in all_boards()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'board':<11} {'device':<16} {'clock':>7} {'baud':>9} {'lanes':>5} {'batch':>5}  programmer")
    for r in rows:
        click.echo(
            f"{r['name']:<11} {r['device']:<16} {r['clock_hz'] / 1e6:>4g} MHz {r['baud']:>9,} {r['lanes']:>5} "
            f"{r['capacity']:>5}  {' or '.join(r['programmers'])}"
        )
    click.echo("(batch: descriptors per VALIDATE frame; tcphw bitstream BOARD, tcphw flash BOARD)")


@click.command()
@click.argument("board_name", metavar="BOARD")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True)
@click.option("--force", is_flag=True, help="Rebuild even if an up-to-date bitstream exists.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json on stdout.")
def bitstream(board_name: str, build_dir: Path, force: bool, as_json: bool) -> None:
    """Build BOARD's bitstream (YoWASP Yosys + nextpnr); cached by gateware ID; failing timing is an error."""
    # load-time: tcphw --help imports every command module; the bitstream build loads Amaranth
    from tcphw.boards.build import BuildError, build

    board = _board(board_name)
    if not as_json:
        click.echo(f"building {board.name} (gateware ID {board.link_config().gateware_id().hex()})...", err=True)
    try:
        report, cached = build(board, build_dir, force=force)
    except BuildError as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    for clock, f in report["fmax"].items():
        click.echo(f"{board.name}: {clock} {f['achieved_mhz']} MHz achieved, target {f['target_mhz']} MHz: met")
    util = ", ".join(f"{k} {v['used']}/{v['available']}" for k, v in report["utilization"].items())
    click.echo(f"resources: {util}")
    state = "up to date, not rebuilt" if cached else f"built in {report['build_seconds']} s"
    click.echo(f"bitstream: {build_dir / board.name / report['bitstream']} ({state}); report: report.json")


@click.command()
@click.argument("board_name", metavar="BOARD")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True)
@click.option("--dry-run", is_flag=True, help="Print the exact programming command and stop.")
def flash(board_name: str, build_dir: Path, dry_run: bool) -> None:
    """Program BOARD with its built bitstream (openFPGALoader or iceprog)."""
    # load-time: tcphw --help imports every command module; the boards load Amaranth
    from tcphw.boards.flash import FlashError, bitstream_for, flash, plan_flash

    board = _board(board_name)
    try:
        if dry_run:
            plan = plan_flash(board, build_dir, check_bitstream=False)
            click.echo(plan.shell())
            if plan.programmer.note:
                click.echo(f"({plan.programmer.note})", err=True)
            try:
                bitstream_for(board, build_dir)
            except FlashError as e:
                click.echo(f"note: {e}", err=True)
            return
        plan = plan_flash(board, build_dir)
        output = flash(plan)
    except FlashError as e:
        raise click.ClickException(str(e)) from e
    click.echo(output)
    click.echo(f"programmed {board.name}", err=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def doctor(as_json: bool) -> None:
    """Report which simulators, synthesis, formal and programming tools work here, and attached boards."""
    # load-time: tcphw --help imports every command module; the doctor loads the boards and the simulator's runner
    from tcphw.host.apps.doctor import report

    doc = report()
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    group = None
    for check in doc["tools"]:
        if check["group"] != group:
            group = check["group"]
            click.echo(f"{group}:")
        click.echo(f"  {'ok ' if check['ok'] else '-- '} {check['name']:<22} {check['detail']}")
    click.echo("serial ports:")
    if not doc["serial_ports"]:
        click.echo("  none (no board attached; board commands use the virtual board)")
    for port in doc["serial_ports"]:
        boards = ", ".join(port["boards"]) or "not a supported board"
        timer = port.get("latency_timer_ms")
        held = f", latency timer {timer} ms" if timer is not None else ""
        click.echo(f"  {port['device']:<14} {port['usb_id'] or '-':<10} {port['description']}  -> {boards}{held}")
