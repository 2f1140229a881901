"""Large random and corrupted corpora: every fast backend agrees bit for bit with the reference."""

from __future__ import annotations

import numpy as np
import pytest

from tcphw.descriptors.generate import KINDS, generate, parse_mix
from tcphw.host.backends import get_backend

from .conftest import runnable_backends

# Its module fixture is expensive: one worker runs the whole file (pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("equivalence")


@pytest.fixture(scope="module")
def corpus() -> np.ndarray:
    # every kind equally often, plus the default mix: 400k descriptors
    even, _ = generate(200_000, seed=11, mix={k: 1.0 for k in KINDS})
    default, _ = generate(200_000, seed=12)
    return np.concatenate([even, default])


@pytest.fixture(scope="module")
def reference_verdicts(corpus: np.ndarray) -> np.ndarray:
    # the pure-Python reference is slow: 60k descriptors spread over the whole corpus
    idx = np.linspace(0, len(corpus) - 1, 60_000).astype(int)
    with get_backend("reference") as ref:
        return ref.validate(corpus[idx])


def kernel_paths() -> list[str]:
    """Every path of the software kernel this CPU can run: each must agree with the reference."""
    from tcphw.descriptors.kernel import runnable_paths

    return list(runnable_paths())


@pytest.mark.parametrize("path", kernel_paths())
def test_software_equals_reference(path: str, corpus: np.ndarray, reference_verdicts: np.ndarray) -> None:
    idx = np.linspace(0, len(corpus) - 1, 60_000).astype(int)
    with get_backend("software", path=path) as sw:
        got = sw.validate(corpus)
    assert np.array_equal(got[idx], reference_verdicts)


def test_verdict_bytes_equals_reference(corpus: np.ndarray, reference_verdicts: np.ndarray) -> None:
    """The link model's bytes-in, bytes-out entry, frame-sized pieces and the odd remainder."""
    from tcphw.descriptors.kernel import verdict_bytes

    idx = np.linspace(0, len(corpus) - 1, 60_000).astype(int)
    picked = corpus[idx]
    got = b"".join(verdict_bytes(picked[k : k + 7].tobytes()) for k in range(0, len(picked), 7))
    assert np.array_equal(np.frombuffer(got, np.uint8), reference_verdicts)
    assert verdict_bytes(b"") == b""
    with pytest.raises(ValueError, match="not a whole number"):
        verdict_bytes(bytes(25))


@pytest.mark.parametrize("path", kernel_paths())
def test_kernel_paths_agree_on_a_million(path: str) -> None:
    data, _ = generate(1_000_000, seed=13, mix={k: 1.0 for k in KINDS})
    with get_backend("software", path=path) as sw, get_backend("software", path="tables") as tables:
        assert np.array_equal(sw.validate(data), tables.validate(data))


@pytest.mark.parametrize("name", [n for n in runnable_backends() if n not in ("reference", "software")])
def test_other_backends_equal_software(name: str, corpus: np.ndarray) -> None:
    with get_backend("software") as sw:
        expected = sw.validate(corpus)
    with get_backend(name) as b:
        n = 100_000 if b.slow else len(corpus)
        got = b.validate(corpus[:n])
    diff = np.nonzero(got != expected[:n])[0]
    assert diff.size == 0, f"{name}: {diff.size} mismatches, first at {diff[:5]}"


@pytest.mark.parametrize("threads", [1, 2, 3, 7])
def test_thread_count_does_not_change_verdicts(threads: int) -> None:
    data, _ = generate(300_001, seed=5)
    with get_backend("software", threads=1) as one, get_backend("software", threads=threads) as many:
        assert np.array_equal(one.validate(data), many.validate(data))


@pytest.mark.parametrize("path", kernel_paths())
def test_unaligned_and_strided_inputs(path: str) -> None:
    data, _ = generate(1_000, seed=6)
    raw = np.zeros(len(data) * 24 + 1, dtype=np.uint8)
    raw[1:] = data.ravel()
    unaligned = raw[1:].reshape(-1, 24)  # base address not a multiple of 8
    strided = np.zeros((len(data), 48), dtype=np.uint8)
    strided[:, :24] = data
    with get_backend("software", path=path) as sw, get_backend("reference") as ref:
        expected = ref.validate(data)
        assert np.array_equal(sw.validate(unaligned), expected)
        assert np.array_equal(sw.validate(strided[:, :24]), expected)


def test_every_corruption_kind_is_rejected() -> None:
    for kind in KINDS:
        if kind in ("valid", "sealed"):  # sealed is random fields under a correct CRC, not a corruption
            continue
        data, _ = generate(2_000, seed=7, mix=parse_mix(f"{kind}=1"))
        with get_backend("software") as sw:
            v = sw.validate(data)
        assert (v >> 6 == 3).all(), kind
        assert (v & 0x1F).all(), f"{kind}: some descriptors passed every check"
