"""Write a file through a temporary file renamed into place, so a reader never sees half of it and an
interrupted run never leaves a half-written file under the final name."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# Read once: os.umask can only be read by setting it, which is not thread-safe later on.
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_file(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """A file opened in ``mode`` that appears at ``path`` only when the block completes."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # what open() would have given, not mkstemp's 0600
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    with atomic_file(path, "w") as f:
        f.write(text)
