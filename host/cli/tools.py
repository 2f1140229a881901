"""``tcphw tools``: scan the tools on this machine, register their descriptors, export, check."""

from __future__ import annotations

import functools
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np

from tcphw.atomic import is_stdout, write_text_atomic
from tcphw.contract import DESCRIPTOR_SIZE, Descriptor, Flag, Risk
from tcphw.descriptors.corpus import save_corpus
from tcphw.extras import require
from tcphw.host.apps.tools.analyze import UNDOCUMENTED
from tcphw.host.cli.errors import OUT_HELP, InputError, check_output_dir, input_errors, refuse_same_file
from tcphw.host.cli.gate import check as gate_check
from tcphw.host.registry import Registry, RegistryError, ToolRow, default_db

_db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"registry database (default: {default_db()})",
)


def _open(db: Path | None, create: bool = False) -> Registry:
    """The registry; only scan and import create one (every other command refuses a missing one)."""
    try:
        return Registry(db or default_db(), create=create)
    except RegistryError as e:
        raise InputError(str(e)) from e


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


@click.group()
def tools() -> None:
    """Real command-line tools to TCP descriptors: scan, show, list, export, check."""


@tools.command()
@click.option("--path", "dirs", default=None, help="directories to scan, ':'-separated (default: $PATH)")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@click.option("--quiet", is_flag=True, help="no progress bar")
def scan(dirs: str | None, db: Path | None, as_json: bool, quiet: bool) -> None:
    """Discover executables, read their documentation safely, analyse and register them."""
    # load-time: tcphw --help imports every command module; the scanner loads sqlite3
    from tcphw.host.apps.tools.discover import path_dirs
    from tcphw.host.apps.tools.sandbox import isolation
    from tcphw.host.apps.tools.scan import cut_off
    from tcphw.host.apps.tools.scan import scan as run_scan

    directories = path_dirs(dirs)
    missing = [str(d) for d in directories if not d.is_dir()]
    if dirs is not None and missing:
        raise InputError(f"not a directory: {', '.join(missing)}")
    with _open(db, create=True) as registry:
        bar: Any = None

        def started(total: int) -> None:
            nonlocal bar
            if not quiet:
                bar = click.progressbar(length=total, label="scanning tools", file=sys.stderr, show_pos=True)
                bar.__enter__()

        def step(name: str) -> None:
            if bar is not None:
                bar.update(1)

        try:
            summary = run_scan(registry, directories, progress=step, on_found=started)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        # The gate's own descriptors (subcommands, builtins) live beside the scanned ones, so the gate opens a
        # registry that is complete and validated by whatever backend it names.
        from tcphw.host.gate.table import sync

        sync(registry)
        doc = {**summary.as_dict(), "db": str(registry.path), "isolation": isolation().description}
    if as_json:
        _emit(doc)
        return
    rate = f"{doc['tools_per_s']:.1f} tools/s" if doc["tools_per_s"] else "n/a"
    click.echo(
        f"{doc['found']} tools found, {doc['analysed']} analysed, {doc['updated']} updated, "
        f"{doc['unchanged']} unchanged, {doc['removed']} removed, in {doc['seconds']:.1f} s ({rate})"
    )
    if doc["skipped"]:
        click.echo("skipped: " + ", ".join(f"{n} {why}" for why, n in sorted(doc["skipped"].items())))
    if doc["doc_sources"]:
        click.echo("documentation from: " + ", ".join(f"{k} {v}" for k, v in sorted(doc["doc_sources"].items())))
    click.echo("risk levels: " + ", ".join(f"{r.name} {doc['risks'].get(r.name, 0)}" for r in Risk))
    by = doc["decided_by"]
    table = by.get("table", 0) + by.get("table+rules", 0)
    click.echo(
        f"decided by: the curated table {table}, the documentation policy {by.get('rules', 0)}, "
        f"no documentation ({UNDOCUMENTED.name} or higher) {by.get('default', 0)}"
    )
    cut = {name: notes for name, notes in doc["notes"].items() if cut_off(notes)}
    if cut:
        click.echo(f"help calls cut off: {', '.join(sorted(cut))}")
    click.echo(f"isolation: {doc['isolation']}")
    click.echo(f"registry: {doc['db']}")


def _describe(row: ToolRow) -> dict[str, Any]:
    d = Descriptor.decode(row.descriptor)
    flags = [f.name for f in Flag if d.flags & f and f.name]
    return {
        **row.as_dict(),
        "evidence": json.loads(row.evidence or "{}"),
        "decoded": {
            "command_hash": f"0x{d.command_hash:08x}",
            "flags": f"0x{d.flags:08x}",
            "flag_names": flags,
            "exec_time_ms": d.exec_time_ms,
            "memory_mb": d.memory_mb,
            "output_kb": d.output_kb,
            "name_length": d.name_length,
            "crc": f"0x{d.crc:04x}",
        },
    }


@tools.command()
@click.argument("name")
@_db_option
@click.option("--json", "as_json", is_flag=True)
def show(name: str, db: Path | None, as_json: bool) -> None:
    """One tool: decoded descriptor, risk with its reasons, provenance and history."""
    with _open(db) as registry:
        row = registry.lookup(name)
        if row is None:
            raise InputError(_not_registered(registry, name))
        doc = {**_describe(row), "history": registry.history(name)}
    if as_json:
        _emit(doc)
        return
    dec = doc["decoded"]
    click.echo(f"{row.name}: {row.risk}  ({', '.join(dec['flag_names'])})")
    click.echo("why:")
    for reason in row.reasons:
        click.echo(f"  - {reason}")
    shown = doc["evidence"]
    if shown.get("binary") or shown.get("install"):
        # load-time: the evidence reader, only when a scanned tool has evidence to show
        from tcphw.host.apps.tools.evidence import Evidence

        click.echo("evidence beyond the documentation (read, never run):")
        for line in Evidence.from_dict(shown).summary():
            click.echo(f"  - {line}")
    learned = shown.get("combiner")
    if learned:
        change = {"raised": "raised the level", "lowered": "lowered the level one step"}.get(
            learned["change"], "kept the level"
        )
        click.echo(
            f"learned combiner: P(needs a person) {learned['p_person']:.2f}, P(only reads) {learned['p_approve']:.2f} "
            f"(calibrated); it {change}" + (f" (the policy said {shown['rules_risk']})" if learned["change"] else "")
        )
    click.echo(f"path: {row.path} -> {row.resolved}")
    click.echo(f"version: {row.version or 'unknown'}; documentation: {row.doc_source} (sha256 {row.doc_hash or '-'})")
    click.echo(
        f"descriptor: {row.descriptor.hex(' ')}\n  hash {dec['command_hash']}, flags {dec['flags']}, "
        f"estimates {dec['exec_time_ms']} ms / {dec['memory_mb']} MB / {dec['output_kb']} KB (estimated, "
        f"not measured), name length {dec['name_length']}, CRC {dec['crc']}"
    )
    click.echo(f"scanned: {row.scanned_at}; analysis: {row.analysis}; earlier descriptors: {len(doc['history'])}")


def _not_registered(registry: Registry, name: str) -> str:
    """Why ``name`` has no row: never scanned, not on this machine, or outside what the scans covered."""
    scans = registry.scans()
    if not scans:
        return f"{name} is not in the registry {registry.path}; run tcphw tools scan first"
    dirs = scans[-1]["dirs"]
    if "/" in name:
        return f"{name}: give the program's name, not a path (the registry is keyed by name)"
    found = shutil.which(name) or next((str(Path(d) / name) for d in dirs if (Path(d) / name).is_file()), None)
    if found is None:
        return (
            f"{name} is not installed here: the last scan ({scans[-1]['started_at']}, {len(dirs)} folders) found "
            "no such program, and no imported descriptor has that name"
        )
    return (
        f"{name} is at {found}, which the last scan ({scans[-1]['started_at']}) did not register; "
        f"run tcphw tools scan again (with --path, if that folder is not on $PATH)"
    )


@tools.command(name="list")
@click.option("--risk", type=click.Choice([r.name for r in Risk], case_sensitive=False), default=None)
@_db_option
@click.option("--json", "as_json", is_flag=True)
def list_tools(risk: str | None, db: Path | None, as_json: bool) -> None:
    """The registered tools, optionally of one risk level."""
    with _open(db) as registry:
        rows = list(registry.tools(risk.upper() if risk else None))
    if as_json:
        _emit([{k: v for k, v in r.as_dict().items() if k != "reasons"} for r in rows])
        return
    for r in rows:
        click.echo(f"{r.name:<28} {r.risk:<12} {r.version or '-':<14} {r.doc_source:<7} {r.path}")
    click.echo(f"{len(rows)} tools", err=True)


@tools.command(name="export")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help=f"corpus file (.tcpd). {OUT_HELP}"
)
@click.option(
    "--index", type=click.Path(dir_okay=False, path_type=Path), default=None, help="record -> tool (JSON), written "
    "like --out",
)  # fmt: skip
@_db_option
@input_errors
def export_tools(out: Path, index: Path | None, db: Path | None) -> None:
    """Write every registered descriptor as a binary corpus the validators read."""
    registry_file = db or default_db()
    for option, target in (("--out", out), ("--index", index)):  # every output, before any is written
        check_output_dir(option, target)
    refuse_same_file("--out", out, ("--index", index), ("the registry", registry_file))
    refuse_same_file("--index", index, ("the registry", registry_file))
    with _open(db) as registry:
        rows = list(registry.tools())
        scanned = {r.name for r in rows}
        rows += [r for r in registry.imported_tools() if r.name not in scanned]  # a scanned tool wins
    if not rows:
        raise InputError("the registry is empty; run tcphw tools scan (or tools import) first")
    corpus = np.frombuffer(b"".join(r.descriptor for r in rows), dtype=np.uint8).reshape(-1, DESCRIPTOR_SIZE)
    save_corpus(out, corpus)
    if index is not None:
        entries = [
            {"record": i, "name": r.name, "path": r.path, "risk": r.risk, "version": r.version}
            for i, r in enumerate(rows)
        ]
        write_text_atomic(index, json.dumps({"corpus": str(out), "records": entries}, indent=1) + "\n")
    streamed = is_stdout(out) or (index is not None and is_stdout(index))  # standard output carries data
    click.echo(f"{len(rows)} descriptors -> {out}" + (f" (index {index})" if index else ""), err=streamed)


# ``tools check`` is the gate's ``check`` under its old name: one engine judges command lines (issue 30).
tools.add_command(gate_check, name="check")


@tools.command(name="accuracy")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"write the Markdown report here (e.g. docs/tool-accuracy.md). {OUT_HELP}",
)
@click.option("--json", "as_json", is_flag=True, help="print every figure as JSON")
@click.option("--no-learned", is_flag=True, help="skip the scikit-learn comparison (faster)")
@click.option(
    "--upstream",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="also judge the upstream knowledge base's labels (tcp_export.json or tcp_complete.db)",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
@input_errors
def accuracy_command(out: Path | None, as_json: bool, no_learned: bool, upstream: Path | None, quiet: bool) -> None:
    """Measure the risk levels against the labelled tools: held-out packages first, dangerous misses first."""
    # load-time: tcphw --help imports every command module; the accuracy measure loads numpy
    from tcphw.host.apps.tools.accuracy import SET_TITLES, SETS, documentation_note, evaluate, load_labels, markdown

    check_output_dir("--out", out)  # before minutes of reading documentation
    if as_json and out is not None and is_stdout(out):
        raise InputError("--json and --out - would both write standard output; give --out a file")
    say = functools.partial(click.echo, err=out is not None and is_stdout(out))  # stdout may carry the report
    labels = load_labels()
    bar = click.progressbar(length=len(labels), label="reading documentation", file=sys.stderr)
    if upstream is not None:
        # load-time: tcphw --help imports every command module; the upstream reader, only with --upstream
        from tcphw.host.apps.tools.upstream import UpstreamError, read

        try:
            read(upstream)  # a bad file is refused before minutes of reading documentation
        except UpstreamError as e:
            raise InputError(str(e)) from e
    if quiet or as_json:
        report = evaluate(labels, learned=not no_learned, upstream=upstream)
    else:
        with bar:
            report = evaluate(labels, learned=not no_learned, upstream=upstream, progress=bar.update)
    if out is not None:
        write_text_atomic(out, markdown(report))
    if as_json:
        _emit(report)
        return
    note = documentation_note(report)
    if note:  # first: every figure below depends on it
        say(f"NOTE: {note}")
    for key in SETS:
        for method in ("classifier", "policy", "combined"):
            if method not in report["sets"][key]:
                continue
            m = report["sets"][key][method]
            lo, hi = m["decision_agreement_ci95"]
            say(
                f"{SET_TITLES[key]:>15} {method:<10} {m['tools']:4d} tools: dangerous misses "
                f"{len(m['dangerous_misses'])}, human-or-not {m['human_or_not_agreement']:.1%}, decisions "
                f"{m['decision_agreement']:.1%} (95% CI {lo:.1%}..{hi:.1%}), over-asking {len(m['over_asking'])} of "
                f"{m['read_only_tools']}, approved misses {len(m['approved_misses'])}"
            )
    rel = report["label_reliability"]
    lo, hi = rel["labels"]["decision_agreement_ci95"]
    say(
        f"label reliability: a second blind labelling of {rel['tools']} tools agrees with the stored labels on "
        f"{rel['labels']['decision_agreement']:.1%} of decisions (95% CI {lo:.1%}..{hi:.1%})"
    )
    if "upstream" in report:
        m = report["upstream"]["sets"]["all"]
        say(
            f"upstream labels: {m['tools']} labelled tools, agreement {m['decision_agreement']:.1%}, "
            f"dangerous misses {len(m['dangerous_misses'])}, over-asking {len(m['over_asking'])}"
        )
    if out is not None:
        say(f"wrote {out}")


@tools.command(name="train")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="where to write the model (the shipped one: host/apps/tools/data/combiner.json)",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
@input_errors
def train_command(out: Path, quiet: bool) -> None:
    """Train the learned combiner on the labelled tools (package-grouped cross-validation, calibrated).

    Whether the scanner uses it ("kept") is carried over from the file it replaces: that is decided by the blind
    groups' figures (docs/tool-accuracy.md), not by training."""
    # load-time: tcphw --help imports every command module; the accuracy measure loads numpy and scikit-learn
    from tcphw.host.apps.tools.accuracy import judge, load_labels, read_docs
    from tcphw.host.apps.tools.learned import cross_validated

    require("learn", "sklearn", "tcphw tools train")
    check_output_dir("--out", out)
    labels = load_labels()
    if quiet:
        docs = read_docs(labels)
    else:
        with click.progressbar(length=len(labels), label="reading documentation", file=sys.stderr) as bar:
            docs = read_docs(labels, bar.update)
    cv = cross_validated(judge(labels, docs))
    model = cv["model"]
    previous = json.loads(out.read_text()) if out.exists() else {}
    model["kept"], model["why"] = previous.get("kept", False), previous.get("why", "not yet measured on a blind group")
    model["trained"] = {"labels": len(labels), "calibration_out_of_fold": cv["calibration"],
                        "changes_out_of_fold": cv["changes"]}  # fmt: skip
    write_text_atomic(out, json.dumps(model, indent=1, sort_keys=True) + "\n")
    click.echo(
        f"trained on {len(labels)} labelled tools: raise at P(needs a person) >= {model['raise_at']:.2f}, "
        f"lowering boundaries {model['lower'] or 'none'}; out of fold {cv['changes']}; wrote {out} "
        f"(kept: {model['kept']})"
    )


@tools.command(name="import")
@click.argument("path", type=click.Path(path_type=Path))
@_db_option
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help=f"also write a corpus (.tcpd). {OUT_HELP}",
)  # fmt: skip
@click.option(
    "--index", type=click.Path(dir_okay=False, path_type=Path), default=None, help="and its index (JSON), written like "
    "--out",
)  # fmt: skip
@click.option("--no-registry", is_flag=True, help="only write --out/--index; leave the registry alone")
@click.option("--json", "as_json", is_flag=True, help="print the import report as JSON")
@input_errors
def import_command(
    path: Path, db: Path | None, out: Path | None, index: Path | None, no_registry: bool, as_json: bool
) -> None:
    """Import the upstream TCP knowledge base (tcp_export.json or tcp_complete.db, told apart by content):
    each entry checked against its own format, converted to contract v2, and stored as a source of its own."""
    from datetime import UTC, datetime

    # load-time: tcphw --help imports every command module; the upstream reader, only for tools import
    from tcphw.host.apps.tools.upstream import UpstreamError, import_file

    if index is not None and out is None:
        raise InputError("--index describes the corpus of --out: give --out too")
    if no_registry and out is None:
        raise InputError("--no-registry with no --out would import nothing")
    registry_file = db or default_db()
    for option, target in (("--out", out), ("--index", index)):  # every output, before any is written
        check_output_dir(option, target)
    streamed = any(t is not None and is_stdout(t) for t in (out, index))  # standard output carries data
    if as_json and streamed:
        raise InputError("--json and an output to - would both write standard output; give a file")
        refuse_same_file(option, target, ("the input", path), ("the registry", registry_file))
    refuse_same_file("--out", out, ("--index", index))
    try:
        report = import_file(path)
    except UpstreamError as e:
        raise InputError(str(e)) from e
    if not report.converted:
        raise InputError(f"{path}: no entry passed its checks ({len(report.rejected)} rejected); nothing imported")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if not no_registry:
        with _open(db, create=True) as registry, registry.transaction():  # all or nothing
            for c in report.converted:
                d = Descriptor.decode(c.descriptor)
                reasons = [
                    f"{c.risk.name}: imported from {path.name} ({report.format}); upstream label {c.upstream_risk}"
                    + (f", not a TCP level: imported as {c.risk.name} (approval required)" if c.unknown else ""),
                ]
                if c.dropped_bits:
                    reasons.append(f"upstream flag bits with no contract meaning dropped: {', '.join(c.dropped_bits)}")
                row = ToolRow(
                    name=c.name, path=f"upstream:{path.resolve()}", resolved=f"upstream:{path.resolve()}", size=0,
                    mtime_ns=0, version=None, doc_source=f"upstream-{report.format}", doc_hash=None,
                    risk=c.risk.name, flags=d.flags, reasons=tuple(reasons), analysis="imported",
                    descriptor=c.descriptor, scanned_at=now,
                )  # fmt: skip
                registry.put_imported(row, c.upstream_risk, c.unknown)
    if out is not None:
        save_corpus(
            out, np.frombuffer(b"".join(c.descriptor for c in report.converted), dtype=np.uint8).reshape(-1, 24)
        )
    if index is not None:
        entries = [
            {"record": i, "name": c.name, "upstream_risk": c.upstream_risk, "risk": c.risk.name, "unknown": c.unknown}
            for i, c in enumerate(report.converted)
        ]
        write_text_atomic(index, json.dumps({"corpus": str(out), "source": str(path), "records": entries}, indent=1))
    summary = report.summary()
    if as_json:
        _emit({**summary, "registry": None if no_registry else str(registry_file)})
        return
    say = functools.partial(click.echo, err=streamed)
    for name, why in report.rejected:
        click.echo(f"rejected {name}: {why}", err=True)
    say(
        f"{summary['imported']:,} descriptors imported from {path} ({report.format}), "
        f"{len(report.rejected)} rejected; "
        "upstream risks: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["upstream_risks"].items()))
    )
    unknown = summary["upstream_risks"].get("UNKNOWN")
    if unknown:
        say(f"UNKNOWN is not a TCP level: {unknown} imported as {summary['unknown_imported_as']}")
    if summary["dropped_flag_bits"]:
        say(
            "flag bits dropped (no contract meaning): "
            + ", ".join(f"{k} on {v}" for k, v in summary["dropped_flag_bits"].items())
        )
    if not no_registry:
        say(f"registry: {registry_file} (imported descriptors; a scanned tool of the same name wins)")
    if out is not None:
        say(f"corpus: {out}" + (f", index: {index}" if index else ""))
