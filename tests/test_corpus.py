"""Corpus files: round trip, and a clear error for every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tcphw.descriptors.corpus import CorpusError, load_corpus, save_corpus
from tcphw.descriptors.generate import generate


def test_roundtrip(tmp_path: Path) -> None:
    data, _ = generate(1234, seed=1)
    p = tmp_path / "c.tcpd"
    save_corpus(p, data)
    assert p.stat().st_size == 1234 * 24
    loaded = load_corpus(p)
    assert isinstance(loaded, np.memmap) or isinstance(loaded.base, np.memmap)
    assert np.array_equal(loaded, data)
    assert not list(tmp_path.glob(".*partial"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        load_corpus(tmp_path / "absent.tcpd")


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.tcpd"
    p.write_bytes(b"")
    with pytest.raises(CorpusError, match="empty"):
        load_corpus(p)


@pytest.mark.parametrize("size", [1, 23, 25, 47, 24 * 1000 + 5])
def test_wrong_length(tmp_path: Path, size: int) -> None:
    p = tmp_path / "bad.tcpd"
    p.write_bytes(bytes(size))
    with pytest.raises(CorpusError, match=f"{size} bytes is not a multiple of 24") as e:
        load_corpus(p)
    assert str(p) in str(e.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="directory"):
        load_corpus(tmp_path)


def test_unreadable(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root can read files without read permission")
    p = tmp_path / "locked.tcpd"
    p.write_bytes(bytes(24))
    p.chmod(0)
    with pytest.raises(CorpusError, match="cannot read"):
        load_corpus(p)
