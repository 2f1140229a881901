"""``tcphw gate mcp`` and ``tcphw gate shell-hook``: the gate where agents and people type their lines.

These commands only read options and print or serve; the server is ``tcphw.host.gate.mcp_server`` and the
snippets are ``tcphw.host.gate.shell_hook``. ``host/cli/gate.py`` adds them to the ``gate`` group.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from tcphw.extras import check as check_extra
from tcphw.host.cli.gate_common import GateCommand, GateInputError, db_option, open_for_command


@click.command(cls=GateCommand)
@db_option
@click.option(
    "--backend",
    "-b",
    default=None,
    help="what validates the descriptors: reference (the default, no numpy), software, gpu, board[:...]",
)
@click.option("--http", "http", is_flag=True, help="serve streamable HTTP on 127.0.0.1 instead of stdio")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="with --http: the loopback port, 8765 unless given (0 takes a free one; the address goes to stderr)",
)
def mcp(db: Path | None, backend: str | None, http: bool, port: int | None) -> None:
    """A Model Context Protocol server: check_command, explain_tool, list_rules.

    Over stdio by default (what an MCP client starts), or streamable HTTP at http://127.0.0.1:PORT/mcp with
    --http. Decisions come from the shared gate service when one runs and neither --db nor --backend is given,
    else from this process's gate on the registry. It never runs what it judges."""
    check_extra("agents", "tcphw gate mcp")
    # load-time: the MCP SDK (the agents extra), only for tcphw gate mcp
    from tcphw.host.gate import mcp_server

    local = open_for_command(db, backend or "reference")  # a missing registry or an unknown backend: one line, exit 4
    server = mcp_server.build(lambda: local, use_service=db is None and backend is None)
    if not http:
        if port is not None:
            raise GateInputError("--port goes with --http; stdio has no port")
        mcp_server.serve_stdio(server)
        return
    port = 8765 if port is None else port
    try:
        sock = mcp_server.listen(port)
    except OSError as e:
        raise GateInputError(f"cannot listen on 127.0.0.1:{port}: {e.strerror or e}") from e
    address = sock.getsockname()
    # stdout stays free; a test or a wrapper reads the address from this line
    click.echo(f"tcphw gate mcp: streamable HTTP on http://{address[0]}:{address[1]}/mcp (loopback only)", err=True)
    import anyio

    anyio.run(mcp_server.serve_http, server, sock)


@click.command(name="shell-hook", cls=GateCommand)
@click.argument("shell", type=click.Choice(["bash", "zsh"]))
@db_option
@click.option(
    "--backend",
    "-b",
    default=None,
    help="what validates the descriptors (default: reference, which starts fastest)",
)
def shell_hook(shell: str, db: Path | None, backend: str | None) -> None:
    """Print a snippet that makes an interactive SHELL ask the gate before each command line.

    eval "$(tcphw gate shell-hook bash)" in ~/.bashrc, or zsh in ~/.zshrc, after anything else that sets
    PROMPT_COMMAND, PS0 or a DEBUG trap (bash) or wraps accept-line (zsh). REJECT is not run and its reason is
    printed; REQUIRE_APPROVAL asks y/N; APPROVE and CAUTION run. If the gate cannot answer, it asks."""
    # load-time: only for tcphw gate shell-hook
    from tcphw.host.gate.shell_hook import snippet

    # The interpreter that runs this command, so the hook finds tcphw without the virtual environment on PATH.
    argv = [sys.executable, "-m", "tcphw", "gate", "check"]
    if db is not None:
        argv += ["--db", str(db.expanduser().absolute())]
    if backend is not None:
        argv += ["--backend", backend]
    click.echo(snippet(shell, [shlex.quote(a) for a in argv]), nl=False)
