"""The contract module: CRC parameters, field layout, encode/decode."""

from __future__ import annotations

import hashlib
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcphw import contract as c


def test_crc_catalogue_check_value() -> None:
    # CRC-16/IBM-3740 catalogue entry: check=0x29b1 for "123456789".
    assert c.crc16(b"123456789") == c.CRC_CHECK == 0x29B1


def test_crc_matches_binascii() -> None:
    import binascii

    for data in (b"", b"\x00", b"TCP\x02", bytes(range(22))):
        assert c.crc16(data) == binascii.crc_hqx(data, 0xFFFF)


def test_fields_tile_the_descriptor() -> None:
    pos = 0
    for f in c.FIELDS:
        assert f.offset == pos
        pos = f.end
    assert pos == c.DESCRIPTOR_SIZE == 24
    assert c.CRC_COVERED_BYTES == 22


def test_masks_are_disjoint_and_cover_low_16_bits() -> None:
    masks = [c.RISK_MASK, c.RESERVED_MASK, c.CAPABILITY_MASK, c.VENDOR_MASK]
    for i, a in enumerate(masks):
        for b in masks[i + 1 :]:
            assert a & b == 0
    assert sum(masks) == 0xFFFF_FFFF


def test_command_hash_is_md5_prefix() -> None:
    assert c.command_hash("ls") == int.from_bytes(hashlib.md5(b"ls").digest()[:4], "big")
    assert c.command_hash("ls") == 0x44BA5CA6  # md5("ls") = 44ba5ca6...


def test_worked_example_layout() -> None:
    d = c.Descriptor.for_command("ls", c.Risk.SAFE, exec_time_ms=5, memory_mb=2, output_kb=4)
    raw = d.encode()
    assert raw.hex() == "54435002000244ba5ca6000000010005000200040002590b"
    magic, version, _h, flags, t, m, o, n, crc = struct.unpack(">4sHIIHHHHH", raw)
    assert (magic, version, flags, t, m, o, n) == (b"TCP\x02", 2, 1, 5, 2, 4, 2)
    assert crc == c.crc16(raw[:22])


@given(
    h=st.integers(0, 0xFFFF_FFFF),
    flags=st.integers(0, 0xFFFF_FFFF),
    t=st.integers(0, 0xFFFF),
    m=st.integers(0, 0xFFFF),
    o=st.integers(0, 0xFFFF),
    n=st.integers(0, 0xFFFF),
)
def test_encode_decode_roundtrip(h: int, flags: int, t: int, m: int, o: int, n: int) -> None:
    d = c.Descriptor(h, flags, t, m, o, n)
    raw = d.encode()
    back = c.Descriptor.decode(raw)
    assert back.encode() == raw
    assert back.crc == c.crc16(raw[:22])


@given(st.binary(min_size=24, max_size=24))
def test_decode_encode_roundtrip_any_bytes(raw: bytes) -> None:
    assert c.Descriptor.decode(raw).encode() == raw


@pytest.mark.parametrize("size", [0, 23, 25, 48])
def test_decode_rejects_wrong_length(size: int) -> None:
    with pytest.raises(c.DescriptorError, match="24 bytes"):
        c.Descriptor.decode(bytes(size))


def test_encode_rejects_out_of_range_fields() -> None:
    with pytest.raises(c.DescriptorError, match="exec_time_ms"):
        c.Descriptor(0, 1, exec_time_ms=0x10000).encode()
    with pytest.raises(c.DescriptorError, match="magic"):
        c.Descriptor(0, 1, magic=b"TCP").encode()
    with pytest.raises(c.DescriptorError, match="capabilities"):
        c.Descriptor.for_command("ls", c.Risk.SAFE, capabilities=c.Flag.SAFE)
    with pytest.raises(c.DescriptorError, match="non-negative"):
        c.Descriptor.for_command("ls", c.Risk.SAFE, exec_time_ms=-1)


def test_estimates_saturate() -> None:
    d = c.Descriptor.for_command("make", c.Risk.LOW_RISK, exec_time_ms=1e9, memory_mb=70000)
    assert d.exec_time_ms == d.memory_mb == 0xFFFF


def test_verdict_helpers() -> None:
    v = c.make_verdict(c.VerdictBit.BAD_CRC | c.VerdictBit.BAD_RISK, c.Decision.REJECT)
    assert v == 0xCC
    assert c.verdict_decision(v) is c.Decision.REJECT
    assert c.describe_verdict(v) == "REJECT [BAD_CRC|BAD_RISK]"
    assert c.describe_verdict(0x40) == "CAUTION"
