"""``tcphw board serve`` (a virtual board on a socket) and ``tcphw link-proxy`` (fault injection)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import click

from tcphw.atomic import check_output, write_text_atomic
from tcphw.host.cli.errors import InputError, check_output_dir


@click.group()
def board() -> None:
    """Boards as link endpoints: serve a virtual one, export one to a labgrid lab."""


@board.command()
@click.option("--virtual", is_flag=True, required=True, help="Serve a virtual board (the only kind served here).")
@click.option("--board", "board_name", default="icebreaker", show_default=True, help="Which board's gateware.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="TCP port (0: any free one).")
def serve(virtual: bool, board_name: str, port: int) -> None:
    """Run a virtual board (the board top in Verilator) and print its socket:// URL until Ctrl-C."""
    # load-time: tcphw --help imports every command module; the boards and the simulator load Amaranth
    from tcphw.boards import BoardError, get_board
    from tcphw.sim.virtual_board import VirtualBoard, VirtualBoardError

    try:
        definition = get_board(board_name)
        vb = VirtualBoard(definition, port=port, say=lambda line: click.echo(line, err=True)).start()
    except (BoardError, VirtualBoardError) as e:
        raise InputError(str(e)) from e
    cfg = vb.config
    click.echo(vb.url)
    click.echo(
        f"virtual {definition.name}: {cfg.lanes} lane(s), batch {cfg.capacity}, simulated clock "
        f"{cfg.clock_hz / 1e6:g} MHz, UART {cfg.baud:,} baud (the real board: {definition.baud:,}); Ctrl-C stops it",
        err=True,
    )
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and vb.process is not None and vb.process.poll() is None:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        vb.stop()
    if vb.cycles is not None:
        click.echo(
            f"stopped after {vb.cycles:,} simulated cycles ({vb.cycles / cfg.clock_hz:.3f} s at the board clock)",
            err=True,
        )
    if vb.cycles and vb.busy_seconds:
        click.echo(
            f"the Verilator model ran {vb.cycles / vb.busy_seconds / 1e6:.2f} M cycles per wall-clock second "
            f"while it had work ({vb.busy_seconds:.2f} s)",
            err=True,
        )


@click.command("link-proxy")
@click.option("--to", "target", required=True, help="Where to forward: socket://HOST:PORT (a virtual board, ser2net).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port to listen on.")
@click.option("--drop", type=float, default=0.0, show_default=True, help="Probability a byte is dropped.")
@click.option("--corrupt", type=float, default=0.0, show_default=True, help="Probability a byte gets a bit flipped.")
@click.option("--insert", type=float, default=0.0, show_default=True, help="Probability a random byte is inserted.")
@click.option(
    "--delay", "delay_ms", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Delay per chunk, ms."
)
@click.option(
    "--hold-ms", type=click.FloatRange(min=0, max=10_000), default=0.0, show_default=True,
    help="Hold the board's bytes as a USB bridge does (16: ftdi_sio's default latency timer; 1: low-latency mode).",
)  # fmt: skip
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
def link_proxy(
    target: str, port: int, drop: float, corrupt: float, insert: float, delay_ms: float, hold_ms: float, seed: int
) -> None:
    """Forward a link through injected faults, both directions, and print the fault counts on exit."""
    # load-time: tcphw --help imports every command module; the link proxy loads numpy and pyserial
    from tcphw.host.link.faults import FaultInjector
    from tcphw.host.link.proxy import LinkProxy

    try:
        to_board = FaultInjector(drop, corrupt, insert, seed=seed)
        to_host = FaultInjector(drop, corrupt, insert, seed=seed + 1)
        proxy = LinkProxy(target, to_board=to_board, to_host=to_host, delay_ms=delay_ms, hold_ms=hold_ms, port=port)
    except (ValueError, OSError) as e:
        raise InputError(str(e)) from e

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM ends like Ctrl-C: counts printed, port closed

    previous = signal.signal(signal.SIGTERM, terminate)  # before the URL: a caller may stop us as soon as it reads it
    try:
        click.echo(proxy.url)
        click.echo(f"forwarding to {target}; Ctrl-C or SIGTERM stops and prints the fault counts", err=True)
        proxy.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        proxy.stop()
        for direction, injector in (("to the board", to_board), ("to the host", to_host)):
            c = injector.counts
            click.echo(
                f"{direction}: {c['dropped']:,} bytes dropped, {c['corrupted']:,} corrupted, "
                f"{c['inserted']:,} inserted",
                err=True,
            )
        if hold_ms:
            f = proxy.flushes
            click.echo(
                f"held bytes passed on: {f['timer']:,} times by the timer, {f['full']:,} as full packets", err=True
            )


@board.command("export")
@click.argument("board_name", metavar="BOARD", required=False)
@click.option("--virtual", is_flag=True, help="Export a virtual board, served from this host while the command runs.")
@click.option("--board", "virtual_board", default="icebreaker", show_default=True, help="With --virtual: which board.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the exporter configuration here (default: print it). A file is replaced whole; a device or "
    "FIFO is written in place; - is standard output.",
)
@click.option("--coordinator", help="Start labgrid-exporter against this coordinator HOST:PORT (--virtual: required).")
@click.option("--name", help="The exporter's name in the lab (default: this host's name).")
def export_board(
    board_name: str | None,
    virtual: bool,
    virtual_board: str,
    out: Path | None,
    coordinator: str | None,
    name: str | None,
) -> None:
    """Write (or run) a labgrid exporter for BOARD on this host, or for a virtual board (--virtual).

    A real board is a USBSerialPort matched by its bridge's USB IDs; labgrid's exporter serves it through
    ser2net while a place holds it. A virtual board is a NetworkSerialPort on this host's loopback: the
    Verilator model runs, and labgrid-exporter publishes it, until Ctrl-C or SIGTERM.
    """
    # load-time: tcphw --help imports every command module; the boards load Amaranth, labgrid's wrapper numpy
    from tcphw.boards import BoardError, get_board
    from tcphw.host.link.labgrid import LabgridError, exporter_config, labgrid_command

    if virtual == (board_name is not None):
        raise InputError("give a BOARD, or --virtual (with --board), not both and not neither")
    if virtual and coordinator is None:
        raise InputError("--virtual needs --coordinator HOST:PORT: the board lives only while the exporter runs")
    check_output_dir("--out", out)
    try:
        definition = get_board(virtual_board if virtual else str(board_name))
        exporter = labgrid_command("labgrid-exporter") if coordinator else None
    except (BoardError, LabgridError) as e:
        raise InputError(str(e)) from e
    if not virtual:
        vid, pid = definition.usb_ids[0]
        config = exporter_config(
            f"tcphw-{definition.name}",
            {
                "USBSerialPort": {
                    "match": {
                        "ID_VENDOR_ID": f"{vid:04x}",
                        "ID_MODEL_ID": f"{pid:04x}",
                        "ID_USB_INTERFACE_NUM": f"{definition.usb_uart_interface:02d}",
                    },
                    "speed": definition.baud,
                }
            },
        )
        _write_or_print(config, out)
        if exporter is not None:
            _run_exporter(exporter, coordinator, name, out, config, loopback=False)
        return

    # load-time: tcphw --help imports every command module; the simulator loads Amaranth
    from tcphw.sim.virtual_board import VirtualBoard, VirtualBoardError

    try:
        vb = VirtualBoard(definition, say=lambda line: click.echo(line, err=True)).start()
    except VirtualBoardError as e:
        raise InputError(str(e)) from e
    try:
        config = exporter_config(
            f"tcphw-virtual-{definition.name}",
            {"NetworkSerialPort": {"host": "127.0.0.1", "port": vb.port, "speed": definition.baud, "protocol": "raw"}},
        )
        _write_or_print(config, out)
        assert exporter is not None
        _run_exporter(exporter, coordinator, name, out, config, loopback=True)
    finally:
        vb.stop()


def _write_or_print(config: str, out: Path | None) -> None:
    if out is None:
        click.echo(config, nl=False)
        return
    try:
        write_text_atomic(out, config)
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror}") from e
    click.echo(f"wrote {out}", err=True)


def _run_exporter(
    exporter: str, coordinator: str | None, name: str | None, out: Path | None, config: str, *, loopback: bool
) -> None:
    """labgrid-exporter on ``config`` until it ends, Ctrl-C or SIGTERM; then it is stopped too.

    A virtual board listens on loopback only (an unauthenticated port stays off the network), so its
    exporter publishes 127.0.0.1; clients on other hosts reach it through an SSH tunnel."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tcphw-exporter-") as work:
        # The exporter reads its configuration back: a stream (-, /dev/null) cannot be read, so a copy.
        path = out if out is not None and check_output(out) == "file" else Path(work) / "exporter.yaml"
        if path != out:
            path.write_text(config)
        command = [exporter, "-c", str(coordinator)]
        command += ["--hostname", "127.0.0.1"] if loopback else []
        command += ["-n", name] if name else []
        process = subprocess.Popen([*command, str(path)])
        click.echo(f"labgrid-exporter serving for {coordinator}; Ctrl-C or SIGTERM stops it", err=True)

        def terminate(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, terminate)
        try:
            code = process.wait()
        except KeyboardInterrupt:
            code = 0
        finally:
            signal.signal(signal.SIGTERM, previous)
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if code not in (0, -signal.SIGTERM):
            raise click.ClickException(f"labgrid-exporter exited {code}")
