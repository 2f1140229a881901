"""Hypothesis properties of the verdict function, checked on the reference and the fast backend."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tcphw.contract import RISK_DECISION, Decision, Descriptor, Risk, VerdictBit
from tcphw.descriptors.kernel import runnable_paths
from tcphw.host.backends import get_backend
from tcphw.host.backends.reference import reference_verdict

# Every kernel path this CPU runs (avx2, vclmul, clmul and tables on a recent x86-64): each is checked.
SOFTWARE = [get_backend("software", threads=1, path=p) for p in runnable_paths()]

valid_descriptors = st.builds(
    Descriptor.for_command,
    name=st.text(min_size=1, max_size=40),
    risk=st.sampled_from(list(Risk)),
    capabilities=st.integers(0, 63).map(lambda x: x << 6),
    exec_time_ms=st.integers(0, 1 << 20),
    memory_mb=st.integers(0, 1 << 20),
    output_kb=st.integers(0, 1 << 20),
    vendor=st.integers(0, 0xFFFF),
).map(lambda d: d.encode())


def fast(raw: bytes) -> int:
    got = {b.info()["path"]: int(b.validate(np.frombuffer(raw, dtype=np.uint8).reshape(1, 24))[0]) for b in SOFTWARE}
    assert len(set(got.values())) == 1, f"kernel paths disagree on {raw.hex()}: {got}"
    return next(iter(got.values()))


@given(valid_descriptors)
def test_valid_descriptor_decision_follows_risk(raw: bytes) -> None:
    risk = Descriptor.decode(raw).risk
    assert risk is not None
    expected = int(RISK_DECISION[risk]) << 6
    assert reference_verdict(raw) == expected == fast(raw)


@given(valid_descriptors, st.integers(0, 24 * 8 - 1))
def test_single_bit_flip_is_always_caught_by_crc(raw: bytes, bit: int) -> None:
    b = bytearray(raw)
    b[bit // 8] ^= 0x80 >> (bit % 8)
    v = reference_verdict(bytes(b))
    assert v & VerdictBit.BAD_CRC
    assert v >> 6 == Decision.REJECT
    assert fast(bytes(b)) == v


@given(valid_descriptors, st.integers(0, 24 * 8 - 2), st.integers(2, 16))
def test_bursts_up_to_16_bits_are_caught_by_crc(raw: bytes, start: int, length: int) -> None:
    start = min(start, 24 * 8 - length)
    b = bytearray(raw)
    # a burst: first and last bit flipped, the ones between arbitrary (here: all flipped)
    for bit in range(start, start + length):
        b[bit // 8] ^= 0x80 >> (bit % 8)
    assert reference_verdict(bytes(b)) & VerdictBit.BAD_CRC
    assert fast(bytes(b)) == reference_verdict(bytes(b))


@given(st.binary(min_size=24, max_size=24))
def test_any_bytes_reference_equals_software(raw: bytes) -> None:
    v = reference_verdict(raw)
    assert fast(raw) == v
    assert v & 0x20 == 0
    if v & 0x1F:
        assert v >> 6 == Decision.REJECT


@given(valid_descriptors, st.integers(0, 0xFFFF))
def test_vendor_bits_never_change_the_verdict(raw: bytes, vendor: int) -> None:
    d = Descriptor.decode(raw)
    from dataclasses import replace

    other = replace(d, flags=(d.flags & 0xFFFF) | (vendor << 16), crc=None).encode()
    assert reference_verdict(other) == reference_verdict(raw) == fast(other)
