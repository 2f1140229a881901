"""``tcphw experiment``: run an experiment file, rebuild its report from stored results."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import click

from tcphw.host.cli.errors import InputError, check_output_folder


def shipped_examples() -> dict[str, Path]:
    from importlib.resources import files

    folder = files("tcphw") / "examples"
    return {p.name.removesuffix(".yaml"): Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml")}


def resolve_spec(path: Path) -> Path:
    """``path`` if it exists, else the shipped example of that name (so the README's commands work
    from any folder once tcphw is installed)."""
    if path.exists():
        return path
    examples = shipped_examples()
    name = path.name.removesuffix(".yaml")
    if name in examples and path.parent.name in ("", "examples"):
        click.echo(f"using the shipped example {examples[name]}", err=True)
        return examples[name]
    raise InputError(f"{path}: no such file (shipped examples: {', '.join(sorted(examples))})")


@click.group()
def experiment() -> None:
    """Statistically sound comparisons across backends (see docs/experiments.md)."""


@experiment.command(name="run")
@click.argument("spec_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="results directory (default: build/experiments/NAME-TIME)")  # fmt: skip
@click.option("--quiet", is_flag=True, help="no progress bar")
@click.option("--cluster", metavar="tcp://HOST:PORT",
              help="a Dask scheduler: each backend runs on a worker that has it (a worker resource)")  # fmt: skip
def run_command(spec_file: Path, out: Path | None, quiet: bool, cluster: str | None) -> None:
    """Run SPEC_FILE: every backend x corpus x batch size, warm-ups discarded, order randomised.

    SPEC_FILE may also name a shipped example (``software-vs-naive``, ``examples/decision-methods.yaml``)."""
    check_output_folder("--out", out)
    spec_file = resolve_spec(spec_file)
    # load-time: tcphw --help imports every command module; the experiment loads numpy, scipy and the backends
    from tcphw.host.apps.experiment.decisions.spec import is_decision_spec
    from tcphw.host.apps.experiment.report import ReportError, report
    from tcphw.host.apps.experiment.runner import run
    from tcphw.host.apps.experiment.spec import SpecError, load
    from tcphw.host.backends import BackendError

    if is_decision_spec(spec_file):
        if cluster:
            raise InputError("--cluster runs backend experiments; a decision-methods experiment runs here")
        return _run_decisions(spec_file, out, quiet)
    try:
        spec = load(spec_file)
    except SpecError as e:
        raise InputError(str(e)) from e
    client = None
    if cluster:
        # load-time: tcphw --help imports every command module; Dask's client, only with --cluster
        from tcphw.host.lab.cluster import ClusterError, connect

        try:
            client = connect(cluster)
        except ClusterError as e:
            raise InputError(str(e)) from e
    out = out or Path("build") / "experiments" / f"{spec.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    total = len(spec.backends) * len(spec.corpora) * len(spec.batch_sizes) * (spec.warmup + spec.repetitions)
    with click.progressbar(
        length=total, label=f"{spec.name}: runs", file=sys.stderr if not quiet else io.StringIO()
    ) as bar:
        done = 0

        def step(index: int, _total: int) -> None:
            nonlocal done
            bar.update(index - done)
            done = index

        # load-time: tcphw --help imports every command module; Dask's client, only with --cluster
        from tcphw.host.lab.cluster import ClusterError

        try:
            run(spec, out, progress=None if quiet else step, cluster=client)
        except (FileExistsError, BackendError, ClusterError) as e:
            raise InputError(str(e)) from e
        finally:
            if client is not None:
                client.close()
    try:
        path = report(out)
    except ReportError as e:  # the raw runs are stored; say so, and how to rebuild the report
        raise InputError(f"{e}; the raw runs are kept in {out} (tcphw experiment report {out})") from e
    import json

    # load-time: tcphw --help imports every command module; the report loads numpy and scipy
    from tcphw.host.apps.experiment.report import summary_lines

    for line in summary_lines(json.loads((out / "results.json").read_text())):
        click.echo(line)
    click.echo(f"results: {out} (raw runs in runs.jsonl); report: {path}")


@experiment.command(name="report")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
def report_command(directory: Path) -> None:
    """Rebuild report.md, results.json and the figures in DIRECTORY from its stored raw runs."""
    # load-time: tcphw --help imports every command module; the report loads numpy and scipy
    from tcphw.host.apps.experiment.decisions.run import is_decision_run
    from tcphw.host.apps.experiment.report import ReportError, report

    if is_decision_run(directory):
        # load-time: the tool layer, only for a decision-method run
        from tcphw.host.apps.experiment.decisions.report import report as decision_report

        try:
            click.echo(f"report: {decision_report(directory)}")
        except ReportError as e:
            raise InputError(str(e)) from e
        return

    try:
        path = report(directory)
    except ReportError as e:
        raise InputError(str(e)) from e
    click.echo(f"report: {path}")


def _run_decisions(spec_file: Path, out: Path | None, quiet: bool) -> None:
    """A ``kind: decision-methods`` file: every method decides every labelled tool (docs/experiments.md)."""
    # load-time: tcphw --help imports every command module; the tool layer, numpy and scipy
    from tcphw.host.apps.experiment.decisions.llm import LiveError
    from tcphw.host.apps.experiment.decisions.report import report, summary_lines
    from tcphw.host.apps.experiment.decisions.run import run
    from tcphw.host.apps.experiment.decisions.spec import load
    from tcphw.host.apps.experiment.report import ReportError
    from tcphw.host.apps.experiment.spec import SpecError
    from tcphw.host.backends import BackendError

    try:
        spec = load(spec_file)
    except SpecError as e:
        raise InputError(str(e)) from e
    out = out or Path("build") / "experiments" / f"{spec.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    with click.progressbar(length=1, label=f"{spec.name}", file=sys.stderr if not quiet else io.StringIO()) as bar:
        state = {"done": 0}

        def step(done: int, total: int, what: str) -> None:
            bar.length = total
            bar.label = f"{spec.name}: {what}"
            bar.update(done - state["done"])
            state["done"] = done

        try:
            run(spec, out, progress=None if quiet else step)
        except (FileExistsError, SpecError, LiveError, BackendError) as e:
            kept = (out / "decisions.jsonl").is_file()
            raise InputError(f"{e}" + (f"; the decisions made so far are kept in {out}" if kept else "")) from e
    try:
        doc_path = report(out)
    except ReportError as e:
        raise InputError(f"{e}; the raw decisions are kept in {out} (tcphw experiment report {out})") from e
    import json

    for line in summary_lines(json.loads((out / "results.json").read_text())):
        click.echo(line)
    click.echo(f"results: {out} (raw decisions in decisions.jsonl); report: {doc_path}")
