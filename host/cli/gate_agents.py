"""``tcphw gate mcp``: the gate where agents ask before they run a line.

These commands only read options and serve; the server is ``tcphw.host.gate.mcp_server``. They register on the
``gate`` group from the last line of ``host/cli/gate.py``.
"""

from __future__ import annotations

from pathlib import Path

import click

from tcphw.host.cli.gate import GateInputError, _db_option, _GateCommand, _open, gate


@gate.command(cls=_GateCommand)
@_db_option
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
    from tcphw.extras import check as check_extra

    check_extra("agents", "tcphw gate mcp")
    from tcphw.host.gate import mcp_server

    local = _open(db, backend or "reference")  # a missing registry or an unknown backend: one line, exit 4
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
