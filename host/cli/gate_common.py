"""What every ``tcphw gate`` command shares: bad input exits 4 (0-3 are decisions), for click's usage errors
too; the ``--db`` option; and opening the gate, where a missing registry or an unknown backend is one line.

``gate.py`` (check, accuracy, rules, hooks, ...) and ``gate_agents.py`` (mcp, shell-hook) both build on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

BAD_INPUT = 4


class GateInputError(click.ClickException):
    """Bad input to a gate command: one line on stderr, exit 4 (0-3 are decisions)."""

    exit_code = BAD_INPUT


class GateCommand(click.Command):
    """Usage errors exit 4 too: click's 2 would read as REQUIRE_APPROVAL."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            # click types exit_code as a ClassVar; set on this one error, it is the status click exits with
            e.exit_code = BAD_INPUT  # type: ignore[misc]
            raise


db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="tool registry (default: the user's, as tcphw tools scan writes it)",
)


def open_for_command(db: Path | None, backend: str) -> Any:
    """``open_gate`` for a command: any failure is a ``GateInputError`` of one line."""
    from tcphw.host.gate.gate import open_gate  # load-time: the gate's tables load only when a command runs

    try:
        return open_gate(db, backend)
    except Exception as e:  # a missing or broken registry, an unknown backend: one line
        raise GateInputError(str(e).splitlines()[0] if str(e) else type(e).__name__) from e
