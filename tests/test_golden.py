"""Every backend that can run here gives the golden verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from tcphw.contract import DECISION_SHIFT, ERROR_MASK, VERDICT_ZERO_MASK, Decision, VerdictBit
from tcphw.descriptors.golden import load_golden
from tcphw.host.backends import get_backend

from .conftest import runnable_backends


def test_golden_file_covers_every_verdict_bit_and_decision() -> None:
    verdicts = [v for _, v, _ in load_golden()]
    for bit in VerdictBit:
        assert any(v & bit for v in verdicts), f"no golden vector sets {bit.name}"
    for d in Decision:
        assert any(v >> DECISION_SHIFT == d and not v & ERROR_MASK for v in verdicts) or d is Decision.REJECT
    assert any(v == 0xC0 for v in verdicts), "no CRITICAL-but-valid vector"
    assert all(v & VERDICT_ZERO_MASK == 0 for v in verdicts)
    # every error bit forces REJECT
    assert all(v >> DECISION_SHIFT == Decision.REJECT for v in verdicts if v & ERROR_MASK)


@pytest.mark.parametrize("name", runnable_backends())
def test_backend_matches_golden(name: str, golden_array: tuple[np.ndarray, np.ndarray]) -> None:
    data, expected = golden_array
    with get_backend(name) as b:
        got = b.validate(data)
    bad = [(i, f"{got[i]:02x}", f"{expected[i]:02x}") for i in np.nonzero(got != expected)[0]]
    assert not bad, f"{name}: (index, got, expected) {bad}"


@pytest.mark.parametrize("name", runnable_backends())
def test_backend_handles_empty_and_single(name: str, golden_array: tuple[np.ndarray, np.ndarray]) -> None:
    data, expected = golden_array
    with get_backend(name) as b:
        assert b.validate(data[:0]).shape == (0,)
        assert b.validate(data[3:4]).tolist() == [expected[3]]


@pytest.mark.parametrize("name", runnable_backends())
def test_backend_rejects_bad_shapes(name: str) -> None:
    with get_backend(name) as b:
        with pytest.raises(ValueError, match="shape"):
            b.validate(np.zeros((2, 23), dtype=np.uint8))
        with pytest.raises(ValueError, match="uint8"):
            b.validate(np.zeros((2, 24), dtype=np.int32))
