"""How the CLI reports bad input: one clear line on stderr and exit code 2."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from tcphw.atomic import OutputError, check_output, is_stdout, writable
from tcphw.contract import DescriptorError

F = TypeVar("F", bound=Callable[..., Any])


class InputError(click.ClickException):
    """Bad input (file, option value, unavailable backend): exit code 2, like a usage error."""

    exit_code = 2


def input_errors(func: F) -> F:
    """Turn the library's input errors into one clear line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # The corpus and backend errors are imported here, not at the top: a command that never reads a
        # corpus (the gate's hook) must not pay for numpy to start.
        from tcphw.descriptors.corpus import CorpusError
        from tcphw.host.backends import BackendError

        try:
            return func(*args, **kwargs)
        except (CorpusError, DescriptorError, BackendError, ValueError, KeyError) as e:
            msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
            raise InputError(msg) from e

    return wrapper  # type: ignore[return-value]


def _same_file(a: Path, b: Path) -> bool:
    """The same file after resolving links (and hard links, where both exist)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_same_file(option: str, out: Path | None, *inputs: tuple[str, Path | None]) -> None:
    """An output that is one of the inputs would destroy it: refuse before any work starts."""
    if out is None:
        return
    for what, path in inputs:
        if path is not None and _same_file(out, path):
            raise InputError(f"{option} {out} is the same file as {what} {path}: refusing to overwrite it")


# The --out help of every command that writes one file: what happens to what is there.
OUT_HELP = (
    "A file is replaced whole (through a temporary file), a symlink's target likewise; a device or FIFO "
    "(/dev/null, a pipe) is written in place as a stream; - is standard output."
)


def check_output_dir(option: str, out: Path | None) -> None:
    """An output file can be written: the folder it goes into exists and is writable, or it is a stream
    (a device, a FIFO, ``-``) this process may write; checked before long work."""
    if out is None:
        return
    try:
        kind = check_output(out)
    except OutputError as e:
        raise InputError(f"{option} {e}") from e
    if kind == "stream":
        if not writable(out):
            raise InputError(f"{option} {out}: not writable")
        return
    target = Path(os.path.realpath(out)) if out.is_symlink() else out  # a link's target is what is replaced
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option} {out}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{option} {out}: folder {parent} is not writable")


def check_output_folder(option: str, out: Path | None) -> None:
    """A folder of outputs (reports, plots) can be made or written, checked before long work: not standard
    output or a device (which hold one stream, not a folder of files), not a file, and writable where it
    would be created."""
    if out is None:
        return
    if is_stdout(out):
        raise InputError(f"{option} -: this command writes a folder of files; standard output cannot hold them")
    if out.exists() and not out.is_dir():
        raise InputError(f"{option} {out}: is not a folder; give a folder for the results")
    existing = next((p for p in (out, *out.absolute().parents) if p.exists()), Path("/"))
    if not existing.is_dir():
        raise InputError(f"{option} {out}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{option} {out}: folder {existing} is not writable")


def int_list(option: str, values: Iterable[str], allowed: Iterable[int] | None = None) -> list[int]:
    """One syntax for list options everywhere: ``--lanes 1,8``, ``--lanes 1 --lanes 8`` or ``--lanes "1 8"``."""
    out: list[int] = []
    for value in values:
        for item in value.replace(",", " ").split():
            try:
                out.append(int(item))
            except ValueError:
                raise InputError(f"{option}: {item!r} is not an integer (give e.g. {option} 1,8)") from None
    if allowed is not None:
        choices = sorted(set(allowed))
        bad = [n for n in out if n not in choices]
        if bad:
            raise InputError(f"{option}: {bad[0]} is not one of {', '.join(map(str, choices))}")
    return list(dict.fromkeys(out))  # in the order given, each once
