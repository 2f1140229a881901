"""``tcphw board serve`` (a virtual board on a socket) and ``tcphw link-proxy`` (fault injection)."""

from __future__ import annotations

import signal
import time

import click

from tcphw.host.cli.errors import InputError


@click.group()
def board() -> None:
    """Boards as link endpoints: serve a virtual one."""


@board.command()
@click.option("--virtual", is_flag=True, required=True, help="Serve a virtual board (the only kind served here).")
@click.option("--board", "board_name", default="icebreaker", show_default=True, help="Which board's gateware.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="TCP port (0: any free one).")
def serve(virtual: bool, board_name: str, port: int) -> None:
    """Run a virtual board (the board top in Verilator) and print its socket:// URL until Ctrl-C."""
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


@click.command("link-proxy")
@click.option("--to", "target", required=True, help="Where to forward: socket://HOST:PORT (a virtual board, ser2net).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port to listen on.")
@click.option("--drop", type=float, default=0.0, show_default=True, help="Probability a byte is dropped.")
@click.option("--corrupt", type=float, default=0.0, show_default=True, help="Probability a byte gets a bit flipped.")
@click.option("--insert", type=float, default=0.0, show_default=True, help="Probability a random byte is inserted.")
@click.option(
    "--delay", "delay_ms", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Delay per chunk, ms."
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
def link_proxy(target: str, port: int, drop: float, corrupt: float, insert: float, delay_ms: float, seed: int) -> None:
    """Forward a link through injected faults, both directions, and print the fault counts on exit."""
    from tcphw.host.link.faults import FaultInjector
    from tcphw.host.link.proxy import LinkProxy

    try:
        to_board = FaultInjector(drop, corrupt, insert, seed=seed)
        to_host = FaultInjector(drop, corrupt, insert, seed=seed + 1)
        proxy = LinkProxy(target, to_board=to_board, to_host=to_host, delay_ms=delay_ms, port=port)
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
