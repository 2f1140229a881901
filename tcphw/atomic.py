"""Write an output so that nothing it replaces is lost or poisoned.

What is at the path decides how:

- nothing, or a regular file: a temporary file beside it, renamed over it when complete, so a reader
  never sees half of it and an interrupted run leaves the old file (or none) under the name;
- a symlink: followed; the file it points to is replaced as above, so the link stays a link;
- a character device, a FIFO or a socket (``/dev/null``, ``/dev/stdout``, a pipe): written in place as a
  stream, not atomically (a rename would replace the device node or the pipe, and the reader would get
  nothing); ``-`` is standard output;
- a directory or a block device: refused (``OutputError``), before anything is written.

``check_output`` says which, so a command can refuse a bad output before its long work starts.
"""

from __future__ import annotations

import os
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

# Read once: os.umask can only be read by setting it, which is not thread-safe later on.
_UMASK = os.umask(0)
os.umask(_UMASK)

STDOUT = "-"
Kind = Literal["file", "stream"]


class OutputError(ValueError):
    """An output tcphw will not write (a directory, a block device): one line naming it and why."""


def is_stdout(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path) == STDOUT


def _resolved(path: Path) -> Path:
    """The file a (possibly dangling, possibly chained) symlink names; the path itself otherwise."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_output(path: str | os.PathLike[str]) -> Kind:
    """How ``path`` will be written: ``"file"`` (atomically) or ``"stream"`` (in place); ``OutputError``
    for a target that must not be written at all."""
    if is_stdout(path):
        return "stream"
    try:
        mode = os.stat(path).st_mode  # follows symlinks: a link is judged by what it points to
    except FileNotFoundError:
        return "file"  # a new file (or a dangling link's target, created)
    except OSError as e:
        raise OutputError(f"{os.fspath(path)}: cannot use as an output ({e.strerror})") from None
    if stat.S_ISDIR(mode):
        raise OutputError(f"{os.fspath(path)}: is a directory; give a file name")
    if stat.S_ISBLK(mode):
        raise OutputError(f"{os.fspath(path)}: is a block device; tcphw writes files, not disks")
    if stat.S_ISREG(mode):
        return "file"
    return "stream"  # character device, FIFO, socket


def _same_as_stdout(path: str | os.PathLike[str]) -> bool:
    try:
        a, b = os.stat(path), os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (a test runner's stream)
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


@contextmanager
def _stream(path: str | os.PathLike[str], mode: str) -> Iterator[IO[Any]]:
    """Written in place, as ``>`` in a shell would: a device, a FIFO, a socket, or standard output."""
    binary = "b" in mode
    if is_stdout(path) or _same_as_stdout(path):
        # /dev/stdout may be a socket, which cannot be opened by name: write to the descriptor we have.
        out: IO[Any] = sys.stdout.buffer if binary else sys.stdout
        yield out  # flushed, never closed: it is the process's, not ours
        out.flush()
        return
    if stat.S_ISSOCK(os.stat(path).st_mode):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(os.fspath(path))
            with s.makefile("wb" if binary else "w") as f:
                yield f
        return
    with open(path, mode) as f:
        yield f


@contextmanager
def atomic_file(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """A file opened in ``mode`` that appears at ``path`` only when the block completes (a stream target
    is written in place as the block runs; see the module's docstring)."""
    if check_output(path) == "stream":
        with _stream(path, mode) as f:
            yield f
        return
    target = _resolved(Path(path))
    try:
        keep = stat.S_IMODE(target.stat().st_mode)  # the replaced file's permissions, not the umask's
    except FileNotFoundError:
        keep = 0o666 & ~_UMASK  # what open() would have given, not mkstemp's 0600
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        os.fchmod(fd, keep)
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    with atomic_file(path, "w") as f:
        f.write(text)


def save_figure(figure: Any, path: str | os.PathLike[str]) -> None:
    """A matplotlib figure through the atomic writer: an interrupted plot leaves no half-written image."""
    fmt = Path(path).suffix.lstrip(".") or "png"
    with atomic_file(path, "wb") as f:
        figure.savefig(f, format=fmt)


def writable(path: str | os.PathLike[str]) -> bool:
    """Whether this process may write ``path`` in place (a device or FIFO) or create a file beside it."""
    if is_stdout(path):
        return True
    if check_output(path) == "stream":
        return os.access(path, os.W_OK)
    target = _resolved(Path(path))
    parent = target.parent if str(target.parent) else Path(".")
    return os.access(parent, os.W_OK | os.X_OK)
