"""``tcphw gen``, ``validate``, ``decode`` and ``backends``: descriptors in, verdicts out."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

from tcphw.atomic import check_output, is_stdout, write_text_atomic
from tcphw.contract import (
    CRC_COVERED_BYTES,
    DESCRIPTOR_SIZE,
    FIELDS,
    VENDOR_MASK,
    Descriptor,
    Flag,
    crc16,
    describe_verdict,
    verdict_decision,
)
from tcphw.descriptors.corpus import load_corpus, save_corpus, save_verdicts
from tcphw.descriptors.generate import KINDS, check_fits, generate, parse_mix
from tcphw.descriptors.summary import format_summary, verdict_summary
from tcphw.host.backends import PartialResult, backend_classes, open_backend
from tcphw.host.backends.reference import reference_verdict
from tcphw.host.cli.errors import OUT_HELP, InputError, check_output_dir, input_errors, refuse_same_file

# Validate large corpora in chunks: bounded memory for the working set and a live progress bar.
CHUNK = 1 << 22


def progress_bar(enabled: bool, length: int, label: str) -> Any:
    """A progress bar on stderr (or nowhere); ``update(n, current_item=text)`` shows text after it."""
    return click.progressbar(
        length=length, label=label, file=sys.stderr if enabled else io.StringIO(), show_eta=True,
        show_percent=True, item_show_func=lambda item: item,
    )  # fmt: skip


@click.command()
@click.option("--count", "-n", type=click.IntRange(min=1), required=True, help="Number of descriptors.")
@click.option(
    "--seed", "-s", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed: same seed, same bytes."
)
@click.option("--mix", help=f"Weights KIND=W,...; kinds: {', '.join(KINDS)}. Default: mostly valid, every corruption.")
@click.option(
    "--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True, help=f"Output .tcpd file. {OUT_HELP}"
)
@input_errors
def gen(count: int, seed: int, mix: str | None, out: Path) -> None:
    """Generate a synthetic corpus of valid and corrupted descriptors."""
    weights = parse_mix(mix)
    check_fits(count)
    check_output_dir("--out", out)
    data, kinds = generate(count, seed, weights)
    save_corpus(out, data)
    counts = np.bincount(kinds, minlength=len(KINDS))
    parts = ", ".join(f"{name} {c:,}" for name, c in zip(KINDS, counts, strict=True) if c)
    click.echo(f"wrote {count:,} descriptors ({count * DESCRIPTOR_SIZE:,} bytes) to {out}: {parts}", err=True)


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option("--backend", "-b", default="software", show_default=True, help="Backend spec: NAME[:KEY=VALUE,...].")
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Write one verdict byte per descriptor. {OUT_HELP} With -, the summary goes to standard error.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout (no progress bar).")
@click.option(
    "--keep-partial",
    is_flag=True,
    help="If the run stops part-way (a board stops answering, Ctrl-C, SIGTERM), save the verdicts confirmed so far "
    "to OUT.partial, in corpus order from the first descriptor, and why it stopped to OUT.partial.json. OUT itself is "
    "written only when every descriptor has a verdict.",
)
@input_errors
def validate(corpus: Path, backend: str, out: Path | None, as_json: bool, keep_partial: bool) -> None:
    """Validate every descriptor of CORPUS (.tcpd) and summarise the verdicts."""
    if keep_partial and out is None:
        raise InputError("--keep-partial needs --out FILE: the confirmed verdicts are saved to FILE.partial")
    check_output_dir("--out", out)
    if keep_partial and out is not None and check_output(out) == "stream":
        raise InputError(f"--keep-partial needs --out to be a file: {out} is a stream, with no FILE.partial beside it")
    if as_json and out is not None and is_stdout(out):
        raise InputError("--json and --out - would both write standard output; give --out a file")
    refuse_same_file("--out", out, ("the corpus", corpus))
    if out is not None:
        refuse_same_file("--out", out.with_name(out.name + ".partial"), ("the corpus", corpus))
    data = load_corpus(corpus)
    n = len(data)
    verdicts = np.empty(n, dtype=np.uint8)
    opened = time.perf_counter()
    with open_backend(backend) as b:
        # A slow backend (a board) gets progress by time: chunks sized to take about a second each.
        slow = bool(getattr(b, "slow", False))
        if not slow:  # its one-time start-up (numba's JIT compilation), timed apart from the run itself
            try:
                b.validate(data[:1])
            except PartialResult as e:
                _stopped(e, verdicts[:0], n, out if keep_partial else None)
        startup = time.perf_counter() - opened
        chunk = 256 if slow else CHUNK
        show = not as_json and (slow or n > CHUNK)
        with progress_bar(show, n, "validating") as bar:
            start = time.perf_counter()
            lo = 0
            try:
                while lo < n:
                    hi = min(lo + chunk, n)
                    began = time.perf_counter()
                    try:
                        verdicts[lo:hi] = b.validate(data[lo:hi])
                    except PartialResult as e:
                        done = lo + len(e.verdicts)
                        verdicts[lo:done] = e.verdicts
                        _stopped(e, verdicts[:done], n, out if keep_partial else None)
                    bar.update(hi - lo, current_item=_link_note(b))
                    if slow:
                        took = max(time.perf_counter() - began, 1e-3)
                        chunk = int(min(max(chunk / took, 64), CHUNK))
                    lo = hi
            except (KeyboardInterrupt, SystemExit) as e:  # Ctrl-C, or SIGTERM (the CLI raises SystemExit)
                if keep_partial and out is not None:
                    why = "interrupted (Ctrl-C)" if isinstance(e, KeyboardInterrupt) else f"stopped (exit {e.code})"
                    partial = _save_partial(verdicts[:lo], n, out, why)
                    click.echo(
                        f"{why} after {lo:,} of {n:,} descriptors; the confirmed verdicts are in {partial}", err=True
                    )
                raise
        elapsed = time.perf_counter() - start
        info = b.info()
    if out is not None:
        save_verdicts(out, verdicts)  # only after every descriptor has a verdict
    summary = {
        **verdict_summary(verdicts),
        "backend": backend,
        "backend_info": info,
        "corpus": str(corpus),
        # Named apart: one run is not a benchmark, and start-up (opening the backend, the JIT compiling its
        # kernel, a board's HELLO) can dwarf a small corpus.
        "startup_s": startup,
        "elapsed_s": elapsed,
        "wall_s": startup + elapsed,
        "throughput_dps_after_startup": n / elapsed if elapsed > 0 else None,
        "throughput_dps_including_startup": n / (startup + elapsed) if startup + elapsed > 0 else None,
    }
    if out is not None:
        summary["verdicts_file"] = str(out)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        to_stderr = out is not None and is_stdout(out)  # standard output carries the verdicts
        click.echo(f"{corpus}: backend {backend}", err=to_stderr)
        click.echo(format_summary(summary), err=to_stderr)
        click.echo(
            f"time: {n:,} descriptors in {elapsed:.3f} s after {startup:.3f} s of start-up (opening the backend, "
            "JIT compilation); one run, not a benchmark (use 'tcphw bench' for throughput)",
            err=to_stderr,
        )
        if out is not None:
            where = "standard output" if to_stderr else str(out)
            click.echo(f"verdicts: {where} ({n:,} bytes, one per descriptor, in order)", err=to_stderr)


def _link_note(backend: Any) -> str | None:
    """A board's link state for the progress line: the batch size and resends, when it has resent."""
    link = backend.last_counters
    if not link or not link.get("resends_total"):
        return None
    return f"batch {link['batch']}, {link['resends_total']:,} resends"


def _stopped(error: PartialResult, confirmed: np.ndarray, total: int, out: Path | None) -> None:
    """The run stopped: never a verdict file that looks complete; the confirmed prefix only on request."""
    where = f"stopped after {len(confirmed):,} of {total:,} descriptors"
    if out is None:
        raise click.ClickException(f"{error} ({where}; --out FILE --keep-partial saves the confirmed verdicts)")
    partial = _save_partial(confirmed, total, out, str(error))
    raise click.ClickException(f"{error} ({where}; the confirmed verdicts are in {partial}, {partial}.json says why)")


def _save_partial(confirmed: np.ndarray, total: int, out: Path, reason: str) -> Path:
    """OUT.partial (the confirmed verdicts, in order from the first descriptor) and OUT.partial.json (why)."""
    partial = out.with_name(out.name + ".partial")
    save_verdicts(partial, confirmed)
    note = {"complete": False, "confirmed": len(confirmed), "total": total, "reason": reason}
    write_text_atomic(partial.with_name(partial.name + ".json"), json.dumps(note, indent=2) + "\n")
    return partial


@click.command()
def backends() -> None:
    """List the registered backends and the options each takes (NAME:KEY=VALUE,...)."""
    for declared in backend_classes():
        click.echo(f"{declared.name:<12} {declared.description}")
        for option in declared.options:
            click.echo(f"{'':<12}   {option.name}=...  {option.accepted()}: {option.help}")
        note = declared.machine_note()
        if note:
            click.echo(f"{'':<12}   {note}")


@click.command()
@click.argument("hexbytes", required=False)
@click.option("--corpus", type=click.Path(path_type=Path), help="Take the descriptor from this corpus...")
@click.option("--index", "-i", type=click.IntRange(min=0), default=0, show_default=True, help="...at this index.")
@click.option("--json", "as_json", is_flag=True, help="Print the fields, flag names and verdict as JSON.")
@input_errors
def decode(hexbytes: str | None, corpus: Path | None, index: int, as_json: bool) -> None:
    """Show the fields and the verdict of one descriptor (24 bytes of HEX, or --corpus/--index)."""
    if (hexbytes is None) == (corpus is None):
        raise InputError("give either HEXBYTES or --corpus (with --index)")
    if corpus is not None:
        data = load_corpus(corpus)
        if index >= len(data):
            raise InputError(f"{corpus}: index {index} out of range (corpus holds {len(data)} descriptors)")
        raw = data[index].tobytes()
    else:
        assert hexbytes is not None
        try:
            raw = bytes.fromhex(hexbytes.replace(":", " "))
        except ValueError:
            raise InputError(f"not hexadecimal: {hexbytes!r}") from None
    if len(raw) != DESCRIPTOR_SIZE:
        raise InputError(f"a descriptor is {DESCRIPTOR_SIZE} bytes; got {len(raw)}")
    d = Descriptor.decode(raw)
    flag_names = [str(f.name) for f in Flag if d.flags & f and f.value.bit_count() == 1]
    vendor = d.flags & VENDOR_MASK
    expected_crc = crc16(raw[:CRC_COVERED_BYTES])
    v = reference_verdict(raw)
    if as_json:
        doc = {
            "hex": raw.hex(),
            "fields": {f.name: (getattr(d, f.name).hex() if f.name == "magic" else getattr(d, f.name)) for f in FIELDS},
            "flag_names": flag_names,
            "vendor_bits": vendor,
            "crc_expected": expected_crc,
            "verdict": v,
            "verdict_text": describe_verdict(v),
            "decision": verdict_decision(v).name,
        }
        click.echo(json.dumps(doc, indent=2))
        return
    for f in FIELDS:
        value = getattr(d, f.name)
        shown = value.hex(" ") if isinstance(value, bytes) else f"0x{value:0{2 * f.size}X} ({value})"
        if f.name == "flags":
            names = " | ".join(flag_names) or "none"
            shown += f" = {names}" + (f" | vendor 0x{vendor:08X}" if vendor else "")
        elif f.name == "crc" and value != expected_crc:
            shown += f", expected 0x{expected_crc:04X} (CRC-16 of bytes 0..{CRC_COVERED_BYTES - 1})"
        click.echo(f"{f.name:<14} [{f.offset:>2}:{f.end:>2}] {shown}")
    click.echo(f"verdict        0x{v:02X} = {describe_verdict(v)}")
