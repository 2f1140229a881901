"""Corpus files (``.tcpd``): raw concatenated 24-byte descriptors, memory-mapped."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tcphw.atomic import atomic_file
from tcphw.contract import DESCRIPTOR_SIZE

from . import Descriptors


class CorpusError(ValueError):
    """A corpus or verdict file is missing, unreadable, unwritable, empty or not whole descriptors."""


def load_corpus(path: str | os.PathLike[str]) -> Descriptors:
    """Map a ``.tcpd`` file read-only as an (N, 24) uint8 array; errors name the file and the problem."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise CorpusError(f"{p}: no such file") from None
    except OSError as e:
        raise CorpusError(f"{p}: cannot read ({e.strerror})") from None
    if p.is_dir():
        raise CorpusError(f"{p}: is a directory, expected a .tcpd corpus file")
    if size == 0:
        raise CorpusError(f"{p}: file is empty; a corpus holds one or more {DESCRIPTOR_SIZE}-byte descriptors")
    if size % DESCRIPTOR_SIZE:
        whole = size // DESCRIPTOR_SIZE
        raise CorpusError(
            f"{p}: size {size} bytes is not a multiple of {DESCRIPTOR_SIZE} "
            f"({whole:,} whole descriptor{'' if whole == 1 else 's'} and {size % DESCRIPTOR_SIZE} stray "
            f"byte{'' if size % DESCRIPTOR_SIZE == 1 else 's'}); "
            "the file is truncated or not a TCP v2 corpus"
        )
    try:
        data = np.memmap(p, dtype=np.uint8, mode="r")
    except OSError as e:
        raise CorpusError(f"{p}: cannot read ({e.strerror or e})") from None
    return data.reshape(-1, DESCRIPTOR_SIZE)


def _write_atomic(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write raw bytes via a temporary file so a partial file never replaces a good one (a device, a FIFO
    or ``-`` is written in place: ``tcphw.atomic``)."""
    try:
        with atomic_file(path) as f:
            # write(), not tofile(): standard output or a socket has no file number numpy can use
            f.write(np.ascontiguousarray(array, dtype=np.uint8).data.cast("B"))
    except OSError as e:
        raise CorpusError(f"{path}: cannot write ({e.strerror or e})") from None


def save_corpus(path: str | os.PathLike[str], descriptors: Descriptors) -> None:
    _write_atomic(path, descriptors)


def save_verdicts(path: str | os.PathLike[str], verdicts: np.ndarray) -> None:
    """Exactly one byte per descriptor, in corpus order."""
    _write_atomic(path, verdicts)
