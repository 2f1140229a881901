"""``tcphw bench``: throughput of backends on one corpus in one run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tcphw.atomic import write_text_atomic
from tcphw.descriptors.corpus import load_corpus
from tcphw.descriptors.generate import check_fits, generate
from tcphw.host.apps.bench import BenchPlan, format_report, run_bench, streaming_threads
from tcphw.host.backends import join_backend_spec, parse_backend_spec, split_backend_spec
from tcphw.host.backends.gpu import gpu_available
from tcphw.host.cli.descriptors import progress_bar
from tcphw.host.cli.errors import InputError, check_output_folder, input_errors


@click.command()
@click.option(
    "--backend",
    "-b",
    default="board",
    show_default=True,
    help="Backend spec to measure first (board: a virtual board unless --port is given).",
)
@click.option("--compare", "-c", multiple=True, help="Further backend spec(s) to compare against (repeatable).")
@click.option("--port", help="The board's serial URL (/dev/ttyUSB1, socket://..., rfc2217://...) for board backends.")
@click.option("--board", "board_name", help="Board definition for board backends (default icebreaker).")
@click.option("--count", "-n", type=click.IntRange(min=1), default=1_000_000, show_default=True)
@click.option("--corpus", type=click.Path(path_type=Path), help="Use this .tcpd corpus instead of generating one.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--repeat", "-r", type=click.IntRange(min=1), default=7, show_default=True, help="Timed repetitions.")
@click.option("--warmup", type=click.IntRange(min=0), default=1, show_default=True, help="Discarded runs first.")
@click.option(
    "--slow-count",
    type=click.IntRange(min=1),
    default=200_000,
    show_default=True,
    help="Slow backends (naive, reference) are timed on this many descriptors (a board on 5,000).",
)
@click.option("--no-baseline", is_flag=True, help="Do not add the 'naive' baseline.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result document as JSON.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for bench.json and the plot (bench.png, bench.svg).",
)
@input_errors
def bench(
    backend: str,
    compare: tuple[str, ...],
    port: str | None,
    board_name: str | None,
    count: int,
    corpus: Path | None,
    seed: int,
    repeat: int,
    warmup: int,
    slow_count: int,
    no_baseline: bool,
    as_json: bool,
    out: Path | None,
) -> None:
    """Measure throughput of backends on one corpus in one run, with ratios and a bit-for-bit agreement check."""
    ctx = click.get_current_context()
    if corpus is not None and ctx.get_parameter_source("count") is click.core.ParameterSource.COMMANDLINE:
        raise InputError("--count and --corpus: give one (a corpus's size is its count)")
    if (port or board_name) and not any(split_backend_spec(s)[0] == "board" for s in (backend, *compare)):
        raise InputError("--port and --board apply to board backends, and this run has none (add --backend board)")
    specs = [_board_spec(s, port, board_name) for s in (backend, *compare)]
    for spec in specs:
        parse_backend_spec(spec)  # every name and option checked before the first timing
    check_output_folder("--out", out)
    not_measured: dict[str, str] = {}
    if gpu_available() and not any(split_backend_spec(s)[0] == "gpu" for s in specs):
        # A real CUDA device is here: measure it too, unless its kernel cannot run (asked for by
        # nobody, it must not stop the run; the reason is printed and kept in the results).
        reason = _unusable("gpu")
        if reason is None:
            specs.append("gpu")
        else:
            not_measured["gpu"] = reason
            click.echo(f"gpu: not measured: {reason}", err=True)
    if not no_baseline and "naive" not in specs:
        specs.append("naive")
    if corpus is None:
        check_fits(count)
    data = load_corpus(corpus) if corpus else generate(count, seed)[0]
    plan = BenchPlan(specs, repeat=repeat, warmup=warmup, slow_count=slow_count, seed=seed)
    runs = len(specs) + len(streaming_threads(specs))
    with progress_bar(not as_json, runs * (repeat + warmup), "benchmarking") as bar:
        doc = run_bench(data, plan, progress=bar.update)
    doc["corpus"] = str(corpus) if corpus else f"generated: count={count} seed={seed} default mix"
    if not_measured:
        doc["not_measured"] = not_measured
    if out is not None:
        # load-time: matplotlib, only with --out
        from tcphw.host.apps.bench_plot import plot_bench

        try:
            out.mkdir(parents=True, exist_ok=True)
            write_text_atomic((out / "bench.json"), json.dumps(doc, indent=2) + "\n")
            written = [out / "bench.json", *plot_bench(doc, out / "bench")]
        except OSError as e:
            raise InputError(f"cannot write to {out}: {e.strerror}") from e
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(f"corpus: {doc['corpus']} ({len(data):,} descriptors)")
        click.echo(format_report(doc))
    if out is not None:  # after the results, so the report reads top to bottom
        click.echo(f"wrote {', '.join(str(p) for p in written)}", err=True)
    if doc["agreement"]["mismatches"]:
        raise click.ClickException(f"backends disagree on {doc['agreement']['mismatches']} verdicts (see agreement)")


def _board_spec(spec: str, port: str | None, board_name: str | None) -> str:
    """Adds --port / --board to a ``board`` spec (explicit options in the spec win)."""
    name, options = split_backend_spec(spec)
    if name != "board":
        return spec
    keys = {key for key, _ in options}
    if port and "port" not in keys:
        options.append(("port", port))
    if board_name and "board" not in keys:
        options.append(("board", board_name))
    return join_backend_spec(name, options)


def _unusable(spec: str) -> str | None:
    """Why the backend cannot run here (it is opened and closed once), or None."""
    # load-time: numpy and every backend, only when a GPU is here
    from tcphw.host.backends import BackendError, open_backend

    try:
        open_backend(spec).close()
    except BackendError as e:
        return str(e)
    return None
