"""Synthetic corpora: deterministic, and each kind breaks exactly what it says."""

from __future__ import annotations

import numpy as np
import pytest

from tcphw.contract import VerdictBit
from tcphw.descriptors.generate import DEFAULT_MIX, generate, parse_mix
from tcphw.host.backends import get_backend


def test_same_seed_same_bytes() -> None:
    a, ka = generate(5_000, seed=3)
    b, kb = generate(5_000, seed=3)
    c, _ = generate(5_000, seed=4)
    assert np.array_equal(a, b) and np.array_equal(ka, kb)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    ("kind", "expected_errors"),
    [
        ("valid", 0),
        ("badmagic", VerdictBit.BAD_MAGIC),
        ("badversion", VerdictBit.BAD_VERSION),
        ("badrisk", VerdictBit.BAD_RISK),
        ("reserved", VerdictBit.RESERVED_SET),
        ("bitflip", None),
        ("burst", None),
    ],
)
def test_kind_sets_the_intended_error(kind: str, expected_errors: int | None) -> None:
    data, _ = generate(3_000, seed=1, mix=parse_mix(f"{kind}=1"))
    with get_backend("reference") as ref:
        errors = ref.validate(data) & 0x1F
    if expected_errors is None:  # noise on the wire: the CRC always notices
        assert (errors & VerdictBit.BAD_CRC).all()
    else:
        assert (errors == expected_errors).all(), np.unique(errors)


def test_sealed_kind_sets_every_bit_under_a_valid_crc() -> None:
    data, _ = generate(4_000, seed=3, mix=parse_mix("sealed=1"))
    with get_backend("reference") as ref:
        errors = ref.validate(data) & 0x1F
    assert not (errors & (VerdictBit.BAD_CRC | VerdictBit.BAD_MAGIC | VerdictBit.BAD_VERSION)).any()
    bits = np.unpackbits(data[:, 6:], axis=1)  # after magic and version, which must stay fixed
    assert bits.any(axis=0).all() and (~bits.astype(bool)).any(axis=0).all()  # every bit seen as 0 and as 1


def test_valid_kind_covers_every_risk_level() -> None:
    data, _ = generate(5_000, seed=2, mix=parse_mix("valid=1"))
    with get_backend("reference") as ref:
        decisions = set((ref.validate(data) >> 6).tolist())
    assert decisions == {0, 1, 2, 3}


def test_mix_parsing() -> None:
    assert parse_mix(None) == DEFAULT_MIX
    assert parse_mix("valid=3,junk=1") == {"valid": 0.75, "junk": 0.25}
    for bad, msg in [
        ("valid", "KIND=WEIGHT"),
        ("nonsense=1", "unknown corpus kind"),
        ("valid=x", "not a number"),
        ("valid=-1", ">= 0"),
        ("valid=0", "sum to zero"),
    ]:
        with pytest.raises(ValueError, match=msg):
            parse_mix(bad)
