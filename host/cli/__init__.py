"""The ``tcphw`` command line: a root group whose subcommands load on first use.

Each subcommand lives in a module of this package and is imported only when it runs (or when
``--help`` lists it), so ``tcphw gen`` does not pay for the tool layer, Amaranth or numba.
The modules keep their heavy imports inside the commands for the same reason; a test checks
that ``tcphw --help`` imports no numba.
"""

from __future__ import annotations

import importlib
import signal
import threading
from typing import Any

import click

from tcphw import __version__
from tcphw.extras import MissingExtra
from tcphw.host.cli.errors import InputError

# name -> (module, attribute), in the order ``tcphw --help`` shows them.
COMMANDS: dict[str, tuple[str, str]] = {
    "gen": ("descriptors", "gen"),
    "validate": ("descriptors", "validate"),
    "decode": ("descriptors", "decode"),
    "backends": ("descriptors", "backends"),
    "bench": ("bench", "bench"),
    "experiment": ("experiment", "experiment"),
    "explore": ("explore", "explore"),
    "project": ("project", "project"),
    "gate": ("gate", "gate"),
    "tools": ("tools", "tools"),
    "boards": ("boards", "boards"),
    "bitstream": ("boards", "bitstream"),
    "flash": ("boards", "flash"),
    "board": ("link", "board"),
    "link-proxy": ("link", "link_proxy"),
    "doctor": ("boards", "doctor"),
    "export": ("gateware", "export"),
    "synth": ("gateware", "synth"),
    "sim": ("verify", "sim"),
    "formal": ("verify", "formal"),
}


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


class _Main(click.Group):
    """The root command: loads subcommands lazily; a missing optional dependency anywhere below is
    one line and exit 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        assert isinstance(command, click.Command) and command.name == cmd_name, (cmd_name, command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        # SIGTERM ends a command as Ctrl-C does, through every cleanup: a virtual board stops, a
        # labgrid place is released. Commands that handle it themselves (board serve) set their own.
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _terminated)
        try:
            return super().invoke(ctx)
        except MissingExtra as e:
            raise InputError(str(e)) from e


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tcphw")
def main() -> None:
    """tcphw: validate TCP v2 tool descriptors in software, on an FPGA, or on the virtual board."""
