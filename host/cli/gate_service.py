"""``tcphw gate serve``, ``gate log`` and ``gate bench``: the shared gate service, its audit log, its load.

They join the ``gate`` group (``host/cli/gate.py`` adds them) and follow its conventions (``gate_common.py``): bad
input is one line on stderr and exit 4, since 0-3 are decisions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tcphw.host.cli.errors import InputError, check_output_folder
from tcphw.host.cli.gate_common import GateCommand, GateInputError

_BACKEND_HELP = "what validates the descriptors: software, reference (no numpy), gpu, board[:...]"


def _one_line(e: BaseException) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


@click.command(cls=GateCommand)
@click.option("--backend", "-b", default="software", show_default=True, help=_BACKEND_HELP)
@click.option("--socket", "socket_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="listen on this Unix socket (default: the user's, config.service_socket())")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="listen on this TCP port instead, on loopback only (0: any free port)")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True, help="with --port: a loopback address")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="tool registry (default: the user's, as tcphw tools scan writes it)")  # fmt: skip
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the audit log (default: the user's, config.audit_log())")  # fmt: skip
@click.option("--rules", "rules_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the person's rules file (default: the user's); read again whenever it changes")  # fmt: skip
@click.option("--log-sync", type=click.Choice(["full", "normal"]), default="full", show_default=True,
              help="full: each tick's decisions are on disk before they are answered; normal: in the OS's "
              "cache (they survive the service's death, not the machine's)")  # fmt: skip
def serve(
    backend: str,
    socket_path: Path | None,
    port: int | None,
    host: str,
    db: Path | None,
    log_path: Path | None,
    rules_path: Path | None,
    log_sync: str,
) -> None:
    """One gate for many agents: HTTP on a Unix socket (or loopback TCP), every decision in the audit log.

    POST /check {"command", "cwd"} answers the decision; GET /health says what it runs on. Concurrent checks
    are validated together, one backend call per tick. It judges lines and never runs them. Stops on Ctrl-C
    or SIGTERM."""
    # load-time (tcphw --help and the hook load this module): the agents extra (uvicorn, starlette)
    from tcphw.host.gate import config
    from tcphw.host.gate.audit import AuditLog
    from tcphw.host.gate.gate import open_gate
    from tcphw.host.gate.service import ServiceError, bind_tcp, bind_unix, loopback, open_service, run

    if socket_path is not None and port is not None:
        raise GateInputError("give --socket or --port, not both")
    try:
        if port is not None:
            loopback(host)  # refused before the registry and the backend are opened
        elif host != "127.0.0.1":
            raise GateInputError("--host goes with --port")
        registry = db or config.default_registry()
        log = AuditLog(log_path or config.audit_log(), log_sync)
        rules = rules_path or config.rules_file()
        service, problem = open_service(
            lambda: open_gate(registry, backend, rules=rules), log, {"registry": str(registry)}, rules
        )
    except ServiceError as e:
        raise GateInputError(str(e)) from e
    except GateInputError:
        raise
    except Exception as e:  # a missing registry, an unknown backend, a board that does not start
        raise GateInputError(_one_line(e)) from e
    try:
        sock = bind_tcp(host, port) if port is not None else bind_unix(socket_path or config.service_socket())
    except ServiceError as e:
        service.close_now()
        raise GateInputError(str(e)) from e
    if problem:
        click.echo(f"tcphw gate serve: {problem}", err=True)
    run(service, sock)


_SINCE_HELP = "only decisions at or after this time (UTC): 2026-12-06, 2026-12-06T14:00; or an age: 30m, 2h, 1d"


@click.command(cls=GateCommand)
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the audit log (default: the user's, config.audit_log())")  # fmt: skip
@click.option("--since", default=None, help=_SINCE_HELP)
@click.option("--decision", "decisions", multiple=True,
              type=click.Choice(["APPROVE", "CAUTION", "REQUIRE_APPROVAL", "REJECT"], case_sensitive=False),
              help="only these decisions (repeatable)")  # fmt: skip
@click.option("--grep", default=None, help="only decisions whose line, folder, reason or caller name contain TEXT")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="only the last N that match")
@click.option("--jsonl", is_flag=True, help="export: one JSON object a decision, a line each, oldest first")
def log(
    log_path: Path | None,
    since: str | None,
    decisions: tuple[str, ...],
    grep: str | None,
    limit: int | None,
    jsonl: bool,
) -> None:
    """Show the gate service's audit log: every decision it answered, oldest first."""
    # load-time (tcphw --help and the hook load this module): the audit log reader (sqlite3), only for gate log
    from tcphw.host.gate import config
    from tcphw.host.gate.audit import AuditError, read

    path = log_path or config.audit_log()
    try:
        rows = read(path, _since(since), [d.upper() for d in decisions], grep, limit)
        for row in rows:
            if jsonl:
                click.echo(json.dumps(row, separators=(",", ":")))
            else:
                _show(row)
    except AuditError as e:
        raise GateInputError(str(e)) from e


def _since(text: str | None) -> str | None:
    """An ISO time (a prefix of the log's own format) or an age (30s, 30m, 2h, 1d) as the log's time text."""
    import re
    import time

    if text is None:
        return None
    age = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if age:
        seconds = int(age[1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[age[2]]
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - seconds))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?Z?", text.strip()):
        return text.strip().replace(" ", "T").rstrip("Z")
    raise GateInputError(f"--since {text!r}: give a UTC time (2026-12-06T14:00) or an age (30m, 2h, 1d)")


def _show(row: dict[str, Any]) -> None:
    caller = row["caller"]
    who = f"uid={caller['uid']} pid={caller['pid']}" if caller["uid"] is not None else caller["address"]
    if caller["name"]:
        who += f" ({caller['name']})"
    click.echo(f"{row['time']}  {row['decision']:16}  {who}  {row['cwd']}")
    click.echo(f"    $ {row['line']}")
    click.echo(f"    {row['reason']}")


def _counts(text: str) -> list[int]:
    try:
        counts = [int(x) for x in text.replace(",", " ").split()]
    except ValueError:
        counts = []
    if not counts or any(not 1 <= n <= 1024 for n in counts):
        raise GateInputError(f"--clients {text!r}: give client counts from 1 to 1024, e.g. 1,4,16,64,256")
    return counts


@click.command(cls=GateCommand)
@click.option("--backend", "-b", "backends", multiple=True,
              help="serve on this backend under load (repeatable; default: software, reference, board, gpu, each "
              "measured where it can run, else skipped with the reason)")  # fmt: skip
@click.option("--clients", default="1,4,16,64,256", show_default=True, help="the concurrent client counts")
@click.option("--rounds", type=click.IntRange(1, 50), default=3, show_default=True,
              help="measured rounds per client count (throughput: their median and its CI)")  # fmt: skip
@click.option("--seconds", type=click.FloatRange(0.1, 60), default=3.0, show_default=True,
              help="a round's bound in seconds")  # fmt: skip
@click.option("--requests", "per_round", type=click.IntRange(1, 1_000_000), default=4000, show_default=True,
              help="a round's bound in requests")  # fmt: skip
@click.option("--repeat", type=click.IntRange(1, 100), default=5, show_default=True,
              help="in process: passes over the lines")  # fmt: skip
@click.option("--in-process/--no-in-process", default=True, show_default=True,
              help="measure the gate in process (reference, software on one core)")  # fmt: skip
@click.option("--load/--no-load", default=True, show_default=True, help="measure gate serve under load")
@click.option("--tcp", is_flag=True, help="load over a loopback TCP port instead of the Unix socket")
@click.option("--lines", "line_count", type=click.IntRange(1), default=None,
              help="only this many of the agent lines, spread over the families (quick runs)")  # fmt: skip
@click.option("--db", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="judge against this registry (copied) instead of the stored snapshot")  # fmt: skip
@click.option("--project", "project_json", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="tcphw project --json's output: its FPGA and ASIC rates join the co-design table")  # fmt: skip
@click.option("--agent-interval", type=click.FloatRange(0.01, 86400), default=10.0, show_default=True,
              help="co-design assumption: seconds between one agent's commands")  # fmt: skip
@click.option("--hook-runs", type=click.IntRange(0, 1000), default=30, show_default=True,
              help="time the Claude Code hook, process start to answer, this many times (0: not)")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="write gate-bench.json and gate-bench.png here")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="print the result document as JSON")
def bench(
    backends: tuple[str, ...],
    clients: str,
    rounds: int,
    seconds: float,
    per_round: int,
    repeat: int,
    in_process: bool,
    load: bool,
    tcp: bool,
    line_count: int | None,
    db: Path | None,
    project_json: Path | None,
    agent_interval: float,
    hook_runs: int,
    out: Path | None,
    as_json: bool,
) -> None:
    """How fast the gate decides: in process (the single check, the batch mode) and gate serve under N
    concurrent clients (decisions/s, latency percentiles, time per stage), on the agent families' lines.

    Each run is bounded in requests and seconds and goes to a Unix socket (or loopback) only."""
    # load-time (tcphw --help and the hook load this module): numpy, the backends, the agents extra
    from tcphw.host.apps.gate import service_bench as sb
    from tcphw.host.apps.gate.service_plot import write
    from tcphw.host.backends import BackendError, parse_backend_spec

    counts = _counts(clients)
    asked = list(backends) or (["software", "reference", "board", "gpu"] if load else [])
    try:
        for spec in asked:
            parse_backend_spec(spec)
        check_output_folder("--out", out)  # a folder of results, which may exist from an earlier run
    except (BackendError, ValueError, InputError) as e:
        raise GateInputError(getattr(e, "message", None) or _one_line(e)) from e
    if not load and backends:
        raise GateInputError("--backend is for the load; --no-load measures none")
    project = None
    if project_json is not None:
        try:
            project = json.loads(project_json.read_text())
            if not isinstance(project, dict) or "projections" not in project:
                raise ValueError("no projections")
        except (OSError, ValueError) as e:
            raise GateInputError(f"--project {project_json}: not tcphw project --json's output ({e})") from e

    def progress(text: str) -> None:
        if not as_json:
            click.echo(f"  {text}", err=True)

    doc = sb.run(
        asked if load else [],
        ["reference", "software:threads=1"] if in_process else [],
        counts,
        rounds,
        per_round,
        seconds,
        repeat,
        db,
        tcp,
        progress,
        line_count,
        project,
        agent_interval,
        hook_runs,
    )
    written = write(doc, out) if out is not None else []
    click.echo(json.dumps(doc, indent=1) if as_json else sb.format_report(doc))
    if written:
        click.echo(f"wrote {', '.join(str(p) for p in written)}", err=True)
    bad = [r["backend"] for r in doc["load"] if any(lv["wrong"] or lv["errors"] for lv in r["levels"])]
    unlogged = [r["backend"] for r in doc["load"] if not r["every_answer_logged"]]
    if bad or unlogged:
        raise click.ClickException(
            f"wrong or failed answers from {', '.join(bad) or 'none'}; answers missing from the log: "
            f"{', '.join(unlogged) or 'none'}"
        )


@click.command(cls=GateCommand)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/gate-demo"),
              show_default=True, help="the demo's folder: registry, socket, audit log, config")  # fmt: skip
@click.option("--db", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="this registry instead of the stored snapshot of a scan")  # fmt: skip
def demo(out: Path, db: Path | None) -> None:
    """Start gate serve for a moment, then ask it as Claude Code's hook and as an MCP client would, and check
    that every answer is in the audit log (make demo runs this)."""
    # load-time (tcphw --help and the hook load this module): the demo loads the service and the MCP client
    from tcphw.host.apps.gate import demo as gate_demo

    if out.exists() and not out.is_dir():
        raise GateInputError(f"--out {out}: not a folder")
    try:
        done = gate_demo.run(out, db, click.echo)
    except (gate_demo.DemoFailed, RuntimeError, OSError) as e:
        click.echo(f"gate demo failed: {_one_line(e)}", err=True)
        raise SystemExit(1) from e
    click.echo(f"gate demo: {done['answered']} answers from the service, all {done['logged']} in its audit log")


def register(group: click.Group) -> None:
    for command in (serve, log, bench, demo):
        group.add_command(command)
