"""``tcphw gate log``: the shared gate service's audit log.

They join the ``gate`` group (``host/cli/gate.py``) and follow its conventions: bad input is one line on stderr
and exit 4, since 0-3 are decisions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tcphw.host.cli.gate import GateInputError, _GateCommand

_SINCE_HELP = "only decisions at or after this time (UTC): 2026-12-06, 2026-12-06T14:00; or an age: 30m, 2h, 1d"


@click.command(cls=_GateCommand)
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


def register(group: click.Group) -> None:
    for command in (log,):
        group.add_command(command)
