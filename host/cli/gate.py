"""``tcphw gate``: may an agent run this command line? Check, measure, and plug into agents.

The gate itself is a library (``tcphw.host.gate``); these commands only read options and print. A decision
is the exit code of ``gate check`` (0 APPROVE, 1 CAUTION, 2 REQUIRE_APPROVAL, 3 REJECT), so bad input is 4,
never a code that could be read as a decision.
"""

from __future__ import annotations

import json
import os
import select
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from tcphw.atomic import write_text_atomic
from tcphw.contract import describe_verdict
from tcphw.host.cli import gate_service
from tcphw.host.cli.errors import InputError, check_output_dir, refuse_same_file
from tcphw.host.cli.gate_agents import mcp, shell_hook
from tcphw.host.cli.gate_common import BAD_INPUT, GateCommand, GateInputError, db_option, open_for_command

_backend_option = click.option(
    "--backend",
    "-b",
    default="reference",
    show_default=True,
    help="what validates the descriptors: reference (no numpy), software, gpu, board[:...]",
)


def _env(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs:
        name, sep, value = p.partition("=")
        if not sep or not name:
            raise GateInputError(f"--env {p!r}: give NAME=VALUE")
        out[name] = value
    return out


@click.group()
def gate() -> None:
    """May an agent run this command line? The gate, its accuracy, and its integrations."""


gate.add_command(mcp)  # the agents' integrations: host/cli/gate_agents.py
gate.add_command(shell_hook)
gate_service.register(gate)  # the shared service's commands (serve, log, bench, demo): host/cli/gate_service.py


@gate.command(cls=GateCommand, context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("line", nargs=-1, type=click.UNPROCESSED)
@db_option
@click.option("--cwd", default=None, help="the folder the line runs in (default: this one)")
@click.option("--workspace", default=None, help="the agent's workspace (default: --cwd)")
@click.option("--env", "env", multiple=True, metavar="NAME=VALUE", help="a variable the caller knows (repeatable)")
@_backend_option
@click.option("--json", "as_json", is_flag=True, help="print the decision, parts and reasons as JSON")
@click.option(
    "--jsonl",
    is_flag=True,
    help='batch: read {"command", "cwd"} objects from stdin, one a line; answer one JSON object a line, in order',
)
def check(
    line: tuple[str, ...],
    db: Path | None,
    cwd: str | None,
    workspace: str | None,
    env: tuple[str, ...],
    backend: str,
    as_json: bool,
    jsonl: bool,
) -> None:
    """Decide on LINE: everything after the options is the line (tcphw gate check rm -rf / works unquoted).

    Exit code: 0 APPROVE, 1 CAUTION, 2 REQUIRE_APPROVAL, 3 REJECT; 4 for bad input. APPROVE and CAUTION run
    without a person; REQUIRE_APPROVAL asks one; REJECT refuses."""
    variables = _env(env)
    if jsonl:
        if line:
            raise GateInputError("--jsonl reads the lines from standard input: give no LINE")
        raise SystemExit(_batch(open_for_command(db, backend), cwd, workspace, variables))
    if not line:
        raise GateInputError("nothing to check: give the command line after the options")
    text = line[0] if len(line) == 1 else " ".join(line)
    if not text.strip():
        raise GateInputError("nothing to check: the command line is empty")
    here = cwd or os.getcwd()
    if not os.path.isabs(here) and cwd is not None:
        raise GateInputError(f"--cwd {cwd}: give an absolute folder")
    g = open_for_command(db, backend)
    result = g.check(text, here, workspace, variables or None)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        _print(result)
    raise SystemExit(int(result.decision))


def _print(result: Any) -> None:
    reason = result.reason()
    click.echo(reason if reason.startswith(result.decision.name) else f"{result.decision.name}: {reason}")
    if result.refused:
        return
    for part in result.parts:
        via = f" (via {' > '.join(part.via)})" if part.via else ""
        click.echo(f"  {part.decision.name:16} {' '.join(part.words) or '(redirection)'}{via}")
        if part.descriptor is not None:
            click.echo(
                f"    descriptor {part.key} [{part.descriptor_source}] {part.descriptor.hex()}  "
                f"verdict 0x{part.verdict:02x} {describe_verdict(part.verdict)}"
            )
        for f in part.findings:
            quoted = f"  «{f.words}»" if f.words else ""
            click.echo(f"    {f.level.name:16} {f.rule}: {f.reason}{quoted}")


def _requests(stream: Any, cwd: str | None, workspace: str | None, env: dict[str, str]) -> Iterator[Any]:
    """(index, Request or error text) for each line of stdin."""
    # load-time: the gate (parser, tables); this module loads with every tcphw command, the agent hook's included
    from tcphw.host.gate.gate import Request

    for n, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            yield n, f"line {n}: not JSON ({e.msg})"
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("command"), str):
            yield n, f'line {n}: give an object with a "command" string'
            continue
        here = obj.get("cwd", cwd) or os.getcwd()
        if not isinstance(here, str) or not os.path.isabs(here):
            yield n, f'line {n}: "cwd" must be an absolute folder'
            continue
        extra = obj.get("env") or {}
        if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
            yield n, f'line {n}: "env" must map names to strings'
            continue
        if not obj["command"].strip():
            yield n, f"line {n}: the command line is empty"
            continue
        yield n, Request(obj["command"], here, obj.get("workspace", workspace), {**env, **extra} or None)


def _batch(g: Any, cwd: str | None, workspace: str | None, env: dict[str, str]) -> int:
    """Answer every line in order; lines that arrive together are validated in one backend call."""
    bad = 0
    pending: list[Any] = []

    def flush() -> None:
        checks = iter(g.check_many([r for _, r in pending if not isinstance(r, str)]))
        for _, r in pending:
            if isinstance(r, str):
                sys.stdout.write(json.dumps({"error": r}) + "\n")
            else:
                c = next(checks)
                sys.stdout.write(
                    json.dumps(
                        {"decision": c.decision.name, "reason": c.reason(), "parts": [p.as_dict() for p in c.parts]}
                    )
                    + "\n"
                )
        sys.stdout.flush()
        pending.clear()

    for n, r in _requests(sys.stdin, cwd, workspace, env):
        if isinstance(r, str):
            bad += 1
        pending.append((n, r))
        if len(pending) >= 512 or not _more_waiting():
            flush()
    if pending:
        flush()
    if bad:
        click.echo(f"{bad} line(s) were not valid requests; each got an error object in its place", err=True)
        return BAD_INPUT
    return 0


def _more_waiting() -> bool:
    """Whether more input is already waiting: if not, answer what has arrived instead of waiting for more."""
    try:
        return bool(select.select([sys.stdin], [], [], 0)[0])
    except (OSError, ValueError):
        return False


def _names(families: str | None) -> list[str] | None:
    # load-time: the labelled corpus, for accuracy only
    from tcphw.host.apps.gate.corpus import families as known

    if families is None:
        return None
    wanted = [n for n in families.replace(",", " ").split() if n]
    names = {f.name for f in known()}
    unknown = [n for n in wanted if n not in names]
    if unknown or not wanted:
        raise GateInputError(
            f"--families: unknown {', '.join(unknown) or '(none given)'}; known: {', '.join(sorted(names))}"
        )
    return wanted


def _corpus_gate(db: Path | None, snapshot: Path | None, backend: str) -> tuple[Any, dict[str, Any]]:
    """The gate the corpus is judged by: on the stored snapshot of a scan (the default, the same everywhere),
    another snapshot, or a real registry."""
    # load-time: the labelled corpus, for accuracy only
    from tcphw.host.apps.gate import snapshot as snap

    if db is not None:
        g = open_for_command(db, backend)
        return g, {"what": f"the registry {db} (this machine's scan, not the stored snapshot)", "db": str(db)}
    try:
        registry = snap.load(snapshot)
    except snap.SnapshotError as e:
        raise GateInputError(str(e)) from e
    return _open_validator_gate(registry, backend), registry.describe(snapshot)


def _open_validator_gate(registry: Any, backend: str) -> Any:
    # load-time: the gate (parser, tables), only for the commands that judge
    from tcphw.host.gate.gate import BackendValidator, Gate, ReferenceValidator

    try:
        if backend == "reference":
            return Gate(registry, ReferenceValidator())
        # load-time: numpy and every backend; the reference needs neither
        from tcphw.host.backends import open_backend

        return Gate(registry, BackendValidator(open_backend(backend)))
    except Exception as e:
        raise GateInputError(str(e).splitlines()[0] if str(e) else type(e).__name__) from e


@gate.command(cls=GateCommand)
@db_option
@click.option(
    "--snapshot",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="judge against this registry snapshot (default: the stored one, host/apps/gate/data/corpus-registry.json)",
)
@click.option("--families", default=None, help="only these families (comma-separated); default: all")
@_backend_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="write the Markdown report here (e.g. docs/gate-accuracy.md)",
)
@click.option(
    "--summary-into",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="also rewrite the summary table between the markers of this page (docs/gate.md)",
)
@click.option("--json", "as_json", is_flag=True, help="print every figure and every listed line as JSON")
@click.option("--quiet", is_flag=True, help="no progress bar")
def accuracy(
    db: Path | None,
    snapshot: Path | None,
    families: str | None,
    backend: str,
    out: Path | None,
    summary_into: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """The gate against the labelled corpus: dangerous misses first, per family, held-out and all.

    Exit code 0 when measured, whatever the figures (the suite holds the gate to them); 4 for bad input."""
    # load-time: the accuracy report (numpy), only for tcphw gate accuracy
    from tcphw.host.apps.gate import report

    if db is not None and snapshot is not None:
        raise GateInputError("give --db (a real registry) or --snapshot, not both")
    names = _names(families)
    try:
        check_output_dir("--out", out)
    except InputError as e:
        raise GateInputError(e.message) from e
    g, source = _corpus_gate(db, snapshot, backend)
    # load-time: the labelled corpus, for accuracy only
    from tcphw.host.apps.gate.corpus import load

    total = len(load(names))
    bar: Any = None
    if not quiet:
        bar = click.progressbar(length=total, label="judging the corpus", file=sys.stderr, show_pos=True)
        bar.__enter__()
    try:
        doc = report.compute(g, source, names, bar.update if bar is not None else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    command = "tcphw gate accuracy" + (f" --families {families}" if families else "") + (f" --out {out}" if out else "")
    if summary_into is not None:
        if names is not None:
            raise GateInputError("--summary-into takes the figures of every family: leave out --families")
        page = summary_into.read_text(encoding="utf-8")
        try:
            page = report.with_summary(page, doc)
        except ValueError as e:
            raise GateInputError(f"--summary-into {summary_into}: {e}") from e
    if out is not None:
        write_text_atomic(out, report.markdown(doc, command))
    if summary_into is not None:
        write_text_atomic(summary_into, page)
    if as_json:
        click.echo(json.dumps(report.as_json(doc), indent=1))
        return
    for line in report.headline(doc):
        click.echo(line)
    if out is not None:
        click.echo(f"report: {out}")


@gate.command(cls=GateCommand)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="the scanned registry to take the rows from",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="where to write it (the stored one: host/apps/gate/data/corpus-registry.json)",
)
def snapshot(db: Path, out: Path) -> None:
    """Store the rows of a scanned registry that the corpus looks up, so accuracy is the same on every machine."""
    # load-time: the accuracy measure and the tool registry, only for tcphw gate snapshot
    from tcphw.host.apps.gate import accuracy as acc
    from tcphw.host.apps.gate import snapshot as snap
    from tcphw.host.apps.gate.corpus import load
    from tcphw.host.registry import Registry, RegistryError

    try:
        check_output_dir("--out", out)
        refuse_same_file("--out", out, ("--db", db))
        registry = Registry(db)
    except (InputError, RegistryError) as e:
        raise GateInputError(getattr(e, "message", str(e))) from e
    with registry:
        recorder = snap.Recorder(registry)
        # load-time: the gate (parser, tables), only for the commands that judge
        from tcphw.host.gate.gate import Gate

        acc.judge(Gate(recorder), load())
        scans = registry.scans()
        last = scans[-1] if scans else {}
        source = f"scanned {last['started_at']}" if last else "never scanned (imported only)"
        doc = snap.build(registry, recorder.looked_up, source)
    write_text_atomic(out, json.dumps(doc, indent=0, sort_keys=True) + "\n")
    click.echo(f"{len(doc['tools'])} of the {doc['looked_up']} programs the corpus looks up are registered; "
               f"{doc['registered']} names; written to {out}")  # fmt: skip


@gate.group()
def rule() -> None:
    """Rules a person adds: allow, ask or deny one command by a prefix of its words (deny > ask > allow).

    \b
    tcphw gate rule add allow 'npm run test *'    # never ask again for npm run test, whatever follows
    tcphw gate rule add deny 'git push --force *'
    tcphw gate rule list
    A rule matches one command of a line after unwrapping (timeout 60 npm test has the command npm test), never
    the whole line: 'npm test && rm -rf ~' is refused by its second command whatever npm test's rule says. An
    allow rule never lowers a refused (REJECT) command unless it names it exactly, with no *."""


_rules_option = click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the rules file (default: gate-rules.json in the user's config folder)",
)


def _pattern(words: tuple[str, ...]) -> str:
    import shlex

    # one quoted argument ('npm run test *') or the words themselves (npm run test '*')
    return words[0] if len(words) == 1 else " ".join(w if w == "*" else shlex.quote(w) for w in words)


@rule.command(name="add", cls=GateCommand)
@click.argument("action", type=click.Choice(["allow", "ask", "deny"]))
@click.argument("pattern", nargs=-1, required=True)
@_rules_option
def rule_add(action: str, pattern: tuple[str, ...], rules_path: Path | None) -> None:
    """Add a rule: ACTION (allow, ask or deny) and the PATTERN of words it matches (a trailing * matches the rest)."""
    # load-time: the person's rules (platformdirs), only for the rule commands
    from tcphw.host.gate import config, rules

    try:
        added, new = rules.add(action, _pattern(pattern), rules_path)
        where = rules_path or config.rules_file()
    except (rules.RulesError, OSError) as e:
        raise GateInputError(str(e)) from e
    click.echo(f"{'added' if new else 'already there'}: {added.action} {added.pattern}  ({where})")


@rule.command(name="remove", cls=GateCommand)
@click.argument("action", type=click.Choice(["allow", "ask", "deny"]))
@click.argument("pattern", nargs=-1, required=True)
@_rules_option
def rule_remove(action: str, pattern: tuple[str, ...], rules_path: Path | None) -> None:
    """Remove the rule ACTION PATTERN (as rule list shows it)."""
    # load-time: the person's rules (platformdirs), only for the rule commands
    from tcphw.host.gate import rules

    try:
        removed = rules.remove(action, _pattern(pattern), rules_path)
    except (rules.RulesError, OSError) as e:
        raise GateInputError(str(e)) from e
    if not removed:
        raise GateInputError(f"no rule {action} {_pattern(pattern)}: tcphw gate rule list shows them")
    click.echo(f"removed: {action} {_pattern(pattern)}")


@rule.command(name="list", cls=GateCommand)
@_rules_option
@click.option("--json", "as_json", is_flag=True)
def rule_list(rules_path: Path | None, as_json: bool) -> None:
    """The person's rules, strongest action first."""
    # load-time: the person's rules (platformdirs), only for the rule commands
    from tcphw.host.gate import rules

    try:
        found = rules.load(rules_path)
    except rules.RulesError as e:
        raise GateInputError(str(e)) from e
    ordered = sorted(found.rules, key=lambda r: rules.ACTIONS.index(r.action))
    if as_json:
        click.echo(json.dumps({"file": str(found.path), "rules": [r.as_dict() for r in ordered]}, indent=2))
        return
    if not ordered:
        click.echo(f"no rules ({found.path})")
    for r in ordered:
        click.echo(f"{r.action:5}  {r.pattern}")


@gate.group()
def hook() -> None:
    """Hooks agent frameworks run before a command: the gate's decision in the answer they read."""


@hook.command(name="claude")
@db_option
@click.option(
    "--caution",
    type=click.Choice(["allow", "ask"]),
    default=None,
    help="what CAUTION lines get (default: allow, or claude.caution in the gate's settings)",
)
@click.option("--no-service", is_flag=True, help="decide in this process even when a gate service runs")
def hook_claude(db: Path | None, caution: str | None, no_service: bool) -> None:
    """Claude Code's PreToolUse hook: reads the tool call on stdin, prints allow, ask or deny on stdout.

    Always exits 0 with an answer: whatever goes wrong (bad input, an unknown tool, no registry, a timeout) is a
    deny with the reason. A tool other than Bash passes through with no output."""
    from dataclasses import replace

    # load-time: the hook module, only for tcphw gate hook
    from tcphw.host.gate import hook as claude

    def settings() -> Any:
        s = claude.load_settings()
        return replace(s, db=db or s.db, caution=caution or s.caution, use_service=s.use_service and not no_service)

    raw = sys.stdin.buffer.read(claude.MAX_INPUT + 1)
    out = claude.run(raw, settings)
    if out is not None:
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


@gate.group()
def install() -> None:
    """Put the gate into an agent framework's settings (written whole, with a backup of the old file)."""


@install.command(name="claude", cls=GateCommand)
@click.option("--project", "scope", flag_value="project", default=True, help="this project's .claude/settings.json")
@click.option("--user", "scope", flag_value="user", help="the user's ~/.claude/settings.json")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="the project folder (default: here)",
)
@click.option("--remove", is_flag=True, help="take the hook out again")
def install_claude(scope: str, folder: Path | None, remove: bool) -> None:
    """Add the PreToolUse hook (matcher Bash) that runs tcphw gate hook claude; other settings are kept."""
    # load-time: only for tcphw gate install
    from tcphw.host.gate import install as setup

    path = setup.settings_path(scope, folder)
    try:
        done = setup.uninstall(path) if remove else setup.install(path)
    except (setup.InstallError, OSError) as e:
        raise GateInputError(str(e)) from e
    if not done.changed:
        click.echo(f"{'no tcphw hook in' if remove else 'already installed in'} {path}")
        return
    click.echo(
        f"{'removed the hook from' if remove else 'installed'} {path}"
        + (f" (backup: {done.backup})" if done.backup else "")
    )
    if not remove:
        click.echo(f"hook: {done.command}")
