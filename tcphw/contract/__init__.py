"""The TCP v2 contract: descriptor layout, verdict byte and link constants.

This is the single source of truth that the gateware (``tcphw.hdl``), the simulation
(``tcphw.sim``) and the host (``tcphw.host``) import. Nothing else in tcphw may restate
these numbers; if a constant is needed somewhere, import it from here.

Layout (24 bytes, multi-byte fields big-endian)::

    off size field
     0   4   magic "TCP\\x02"
     4   2   version (0x0002)
     6   4   command hash: MD5(name)[0:4]
    10   4   security flags
    14   2   execution time estimate, ms (saturating)
    16   2   memory estimate, MB (saturating)
    18   2   output size estimate, KB (saturating)
    20   2   command name length, bytes
    22   2   CRC-16/IBM-3740 over bytes 0..21
"""

from __future__ import annotations

import binascii
import enum
import hashlib
import struct
import zlib
from dataclasses import dataclass
from typing import Final

# ---------------------------------------------------------------------------
# Descriptor layout
# ---------------------------------------------------------------------------

DESCRIPTOR_SIZE: Final = 24
MAGIC: Final = b"TCP\x02"
MAGIC_U32: Final = int.from_bytes(MAGIC, "big")  # 0x54435002
VERSION: Final = 0x0002


@dataclass(frozen=True)
class Field:
    """One field of the descriptor: byte offset and size (big-endian)."""

    name: str
    offset: int
    size: int

    @property
    def end(self) -> int:
        return self.offset + self.size

    def slice(self) -> slice:
        return slice(self.offset, self.end)


FIELDS: Final = (
    Field("magic", 0, 4),
    Field("version", 4, 2),
    Field("command_hash", 6, 4),
    Field("flags", 10, 4),
    Field("exec_time_ms", 14, 2),
    Field("memory_mb", 16, 2),
    Field("output_kb", 18, 2),
    Field("name_length", 20, 2),
    Field("crc", 22, 2),
)
FIELD: Final = {f.name: f for f in FIELDS}
STRUCT_FORMAT: Final = ">4sHIIHHHHH"  # matches FIELDS in order
assert struct.calcsize(STRUCT_FORMAT) == DESCRIPTOR_SIZE
CRC_COVERED_BYTES: Final = FIELD["crc"].offset  # bytes 0..21

# ---------------------------------------------------------------------------
# CRC: CRC-16/IBM-3740 (a.k.a. CRC-16/CCITT-FALSE)
# ---------------------------------------------------------------------------

CRC_WIDTH: Final = 16
CRC_POLY: Final = 0x1021
CRC_INIT: Final = 0xFFFF
CRC_REFLECT_IN: Final = False
CRC_REFLECT_OUT: Final = False
CRC_XOR_OUT: Final = 0x0000
CRC_CHECK: Final = 0x29B1  # CRC of b"123456789"; catalogue check value


def crc16(data: bytes, init: int = CRC_INIT) -> int:
    """CRC-16/IBM-3740 of ``data``, written straight from the definition (MSB first).

    ``init`` is exposed because CRC tables for fast backends are derived by linearity
    (init 0); protocol users never change it.
    """
    crc = init
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ CRC_POLY) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc ^ CRC_XOR_OUT


# ---------------------------------------------------------------------------
# Security flags (32-bit field at offset 10)
# ---------------------------------------------------------------------------


class Flag(enum.IntFlag):
    SAFE = 1 << 0
    LOW_RISK = 1 << 1
    MEDIUM_RISK = 1 << 2
    HIGH_RISK = 1 << 3
    CRITICAL = 1 << 4
    RESERVED_5 = 1 << 5
    REQUIRES_ROOT = 1 << 6
    DESTRUCTIVE = 1 << 7
    NETWORK_ACCESS = 1 << 8
    FILE_MODIFICATION = 1 << 9
    SYSTEM_MODIFICATION = 1 << 10
    PRIVILEGE_ESCALATION = 1 << 11


RISK_MASK: Final = 0x0000_001F  # bits 0-4: exactly one must be set
RESERVED_MASK: Final = 0x0000_F020  # bit 5 and bits 12-15: must be clear
CAPABILITY_MASK: Final = 0x0000_0FC0  # bits 6-11
VENDOR_MASK: Final = 0xFFFF_0000  # bits 16-31: ignored by validation


class Risk(enum.IntEnum):
    """Risk level; the value is the bit index in the flags field."""

    SAFE = 0
    LOW_RISK = 1
    MEDIUM_RISK = 2
    HIGH_RISK = 3
    CRITICAL = 4

    @property
    def flag(self) -> int:
        return 1 << self.value


# ---------------------------------------------------------------------------
# Verdict byte
# ---------------------------------------------------------------------------


class VerdictBit(enum.IntFlag):
    BAD_MAGIC = 1 << 0
    BAD_VERSION = 1 << 1
    BAD_CRC = 1 << 2
    BAD_RISK = 1 << 3
    RESERVED_SET = 1 << 4


VERDICT_SIZE: Final = 1  # bytes: one verdict byte per descriptor, on the wire and in a verdict file
ERROR_MASK: Final = 0x1F  # bits 0-4
VERDICT_ZERO_MASK: Final = 0x20  # bit 5 is always 0
DECISION_SHIFT: Final = 6


class Decision(enum.IntEnum):
    APPROVE = 0
    CAUTION = 1
    REQUIRE_APPROVAL = 2
    REJECT = 3


# Decision for a descriptor with no error bits, indexed by Risk.
RISK_DECISION: Final = {
    Risk.SAFE: Decision.APPROVE,
    Risk.LOW_RISK: Decision.APPROVE,
    Risk.MEDIUM_RISK: Decision.CAUTION,
    Risk.HIGH_RISK: Decision.REQUIRE_APPROVAL,
    Risk.CRITICAL: Decision.REJECT,
}


def make_verdict(errors: int, decision: Decision) -> int:
    return (errors & ERROR_MASK) | (int(decision) << DECISION_SHIFT)


def verdict_errors(verdict: int) -> VerdictBit:
    return VerdictBit(verdict & ERROR_MASK)


def verdict_decision(verdict: int) -> Decision:
    return Decision((verdict >> DECISION_SHIFT) & 0x3)


def describe_verdict(verdict: int) -> str:
    """Human-readable form, e.g. ``REJECT [BAD_CRC|BAD_RISK]``."""
    errors = [b.name for b in VerdictBit if verdict & b and b.name]
    text = verdict_decision(verdict).name
    return f"{text} [{'|'.join(errors)}]" if errors else text


# ---------------------------------------------------------------------------
# Encode / decode helpers
# ---------------------------------------------------------------------------

U16_MAX: Final = 0xFFFF
U32_MAX: Final = 0xFFFF_FFFF


class DescriptorError(ValueError):
    """A descriptor (or the values to build one) is malformed."""


def command_hash(name: str) -> int:
    """First 4 bytes of MD5 of the UTF-8 command name, as a big-endian integer."""
    return int.from_bytes(hashlib.md5(name.encode("utf-8")).digest()[:4], "big")


def saturate_u16(value: int | float) -> int:
    """Clamp an estimate to the 16-bit field (estimates saturate, they never wrap)."""
    if value != value or value < 0:  # NaN or negative
        raise DescriptorError(f"estimate must be a non-negative number, got {value!r}")
    return min(int(value), U16_MAX)


@dataclass(frozen=True)
class Descriptor:
    """A decoded TCP v2 descriptor. ``encode()`` is the exact inverse of ``decode()``.

    ``decode`` never validates semantics (a corrupted descriptor still decodes, so it can
    be inspected); validation is the backends' job. ``crc=None`` means "compute it".
    """

    command_hash: int
    flags: int
    exec_time_ms: int = 0
    memory_mb: int = 0
    output_kb: int = 0
    name_length: int = 0
    magic: bytes = MAGIC
    version: int = VERSION
    crc: int | None = None

    @classmethod
    def for_command(
        cls,
        name: str,
        risk: Risk,
        capabilities: int = 0,
        *,
        exec_time_ms: float = 0,
        memory_mb: float = 0,
        output_kb: float = 0,
        vendor: int = 0,
    ) -> Descriptor:
        """Build a valid descriptor for a command, saturating the estimates."""
        if capabilities & ~CAPABILITY_MASK:
            raise DescriptorError(
                f"capabilities 0x{capabilities:08X} set bits outside 6-11 (mask 0x{CAPABILITY_MASK:08X})"
            )
        if vendor & ~0xFFFF:
            raise DescriptorError(f"vendor bits must fit in 16 bits, got 0x{vendor:X}")
        name_bytes = len(name.encode("utf-8"))
        if name_bytes > U16_MAX:
            raise DescriptorError(f"command name is {name_bytes} bytes; the field holds at most {U16_MAX}")
        return cls(
            command_hash=command_hash(name),
            flags=risk.flag | capabilities | (vendor << 16),
            exec_time_ms=saturate_u16(exec_time_ms),
            memory_mb=saturate_u16(memory_mb),
            output_kb=saturate_u16(output_kb),
            name_length=name_bytes,
        )

    def encode(self) -> bytes:
        if len(self.magic) != 4:
            raise DescriptorError(f"magic must be 4 bytes, got {len(self.magic)}")
        limits = {
            "version": U16_MAX,
            "command_hash": U32_MAX,
            "flags": U32_MAX,
            "exec_time_ms": U16_MAX,
            "memory_mb": U16_MAX,
            "output_kb": U16_MAX,
            "name_length": U16_MAX,
        }
        for name, limit in limits.items():
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= limit:
                raise DescriptorError(f"{name} must be an integer in 0..{limit:#x}, got {value!r}")
        body = struct.pack(
            STRUCT_FORMAT[:-1],
            self.magic,
            self.version,
            self.command_hash,
            self.flags,
            self.exec_time_ms,
            self.memory_mb,
            self.output_kb,
            self.name_length,
        )
        crc = crc16(body) if self.crc is None else self.crc
        if not 0 <= crc <= U16_MAX:
            raise DescriptorError(f"crc must be in 0..0xffff, got {crc!r}")
        return body + crc.to_bytes(2, "big")

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> Descriptor:
        data = bytes(data)
        if len(data) != DESCRIPTOR_SIZE:
            raise DescriptorError(f"a TCP v2 descriptor is {DESCRIPTOR_SIZE} bytes, got {len(data)}")
        magic, version, chash, flags, t, m, o, nlen, crc = struct.unpack(STRUCT_FORMAT, data)
        return cls(chash, flags, t, m, o, nlen, magic, version, crc)

    @property
    def risk(self) -> Risk | None:
        """The risk level if exactly one risk bit is set, else None."""
        bits = [r for r in Risk if self.flags & r.flag]
        return bits[0] if len(bits) == 1 else None


# ---------------------------------------------------------------------------
# Serial link protocol v1 (byte by byte in docs/protocol.md)
#
# Every frame, in both directions:
#
#     0      START 0xAA
#     1      SEQ   sequence number; a response carries the SEQ of the frame it answers
#     2      TYPE  a Command (host -> board) or a Response (board -> host)
#     3..4   LEN   payload length in bytes, big-endian
#     5..6   HCRC  CRC-16 (the descriptor CRC above) over bytes 1..4, big-endian
#     7..    PAYLOAD, LEN bytes
#     last 4 FCRC  CRC-32/ISO-HDLC (zlib.crc32) over bytes 1 .. 6+LEN, little-endian
#
# The header CRC lets a receiver reject a false start byte (0xAA inside garbage or inside a
# payload) after 7 bytes instead of after a whole bogus payload; that is what makes resync fast.
# The frame check is 32 bits because 16 were measured to be too few: at 1% byte faults a
# CRC-16 frame check let one wrong verdict through per ~100,000 descriptors (docs/protocol.md).
# ---------------------------------------------------------------------------

PROTOCOL_VERSION: Final = 1
LINK_START: Final = 0xAA
HEADER_SIZE: Final = 7  # START SEQ TYPE LEN(2) HCRC(2)
TRAILER_SIZE: Final = 4  # FCRC
FRAME_OVERHEAD: Final = HEADER_SIZE + TRAILER_SIZE
HEADER_FORMAT: Final = ">BBBH"  # START SEQ TYPE LEN; HCRC follows
MAX_LEN_FIELD: Final = 0xFFFF
SEQ_MODULO: Final = 256
RESPONSE_FLAG: Final = 0x80  # a response's TYPE is its command's code | 0x80


class Command(enum.IntEnum):
    HELLO = 0x01  # the original design's HELLO/CONFIG; v1 takes no configuration (LEN must be 0)
    VALIDATE = 0x02  # payload: 1..capacity descriptors, back to back
    STATS = 0x03  # LEN must be 0


#: Commands whose payload is descriptors: LEN a non-zero multiple of DESCRIPTOR_SIZE. Every other command
#: takes LEN 0 (NAK BAD_LENGTH otherwise).
DESCRIPTOR_COMMANDS: Final = frozenset({Command.VALIDATE})


class Response(enum.IntEnum):
    HELLO = Command.HELLO | RESPONSE_FLAG
    VERDICTS = Command.VALIDATE | RESPONSE_FLAG  # payload: one verdict byte per descriptor, in order
    STATS = Command.STATS | RESPONSE_FLAG
    NAK = 0xFF  # payload: NakCode, then the TYPE byte of the rejected frame


class NakCode(enum.IntEnum):
    """Why a frame with a good header was refused; nothing of it was validated."""

    BAD_CRC = 0x01  # FCRC wrong: the payload was damaged on the wire
    TOO_LONG = 0x02  # LEN larger than this board's maximum payload (HELLO: capacity * 24)
    BAD_LENGTH = 0x03  # LEN not allowed for the command (VALIDATE: a non-zero multiple of 24; else 0)
    UNKNOWN_COMMAND = 0x04
    BUSY = 0x05  # more frames in flight than the HELLO window: no room for the verdicts; resend
    TIMEOUT = 0x06  # the line went quiet inside the frame for longer than the inactivity timeout


NAK_SIZE: Final = 2


@dataclass(frozen=True)
class WireField:
    """One field of a fixed-layout payload (HELLO, STATS): name, struct code, meaning."""

    name: str
    code: str
    doc: str


HELLO_FIELDS: Final = (
    WireField("protocol_version", "B", "PROTOCOL_VERSION of the gateware"),
    WireField("gateware_id", "8s", "first 8 bytes of SHA-256 over the design parameters and HDL sources"),
    WireField("board", "16s", "board name, ASCII, NUL-padded"),
    WireField("lanes", "B", "validator lanes (descriptors per clock cycle)"),
    WireField("pipeline", "B", "validator pipeline depth, clock cycles"),
    WireField("capacity", "H", "batch buffer size: most descriptors in one VALIDATE"),
    WireField("window", "B", "most frames a host may have unanswered"),
    WireField("clock_hz", "I", "system clock frequency, Hz"),
    WireField("baud", "I", "UART baud rate"),
    WireField("timeout_cycles", "I", "inactivity timeout inside a frame, clock cycles"),
)
HELLO_FORMAT: Final = ">" + "".join(f.code for f in HELLO_FIELDS)
HELLO_SIZE: Final = struct.calcsize(HELLO_FORMAT)
BOARD_NAME_SIZE: Final = 16
GATEWARE_ID_SIZE: Final = 8

# STATS: each counter is a u64, big-endian, counting since the last reset.
STATS_FIELDS: Final = (
    WireField("cycles", "Q", "clock cycles"),
    WireField("busy_cycles", "Q", "cycles the validator spent on batches"),
    WireField("descriptors", "Q", "descriptors validated"),
    WireField("frames_accepted", "Q", "frames answered with HELLO, VERDICTS or STATS"),
    WireField("rejected_header", "Q", "start bytes whose header CRC was wrong (dropped, no answer)"),
    WireField("rejected_bad_crc", "Q", "NAK BAD_CRC"),
    WireField("rejected_too_long", "Q", "NAK TOO_LONG"),
    WireField("rejected_bad_length", "Q", "NAK BAD_LENGTH"),
    WireField("rejected_unknown_command", "Q", "NAK UNKNOWN_COMMAND"),
    WireField("rejected_busy", "Q", "NAK BUSY, plus frames dropped because even the answer queue was full"),
    WireField("rejected_timeout", "Q", "frames cut off by the inactivity timeout"),
    WireField("uart_framing_errors", "Q", "bytes whose stop bit was low"),
    WireField("uart_overflows", "Q", "bytes lost because the previous one was not yet taken"),
)
STATS_FORMAT: Final = ">" + "".join(f.code for f in STATS_FIELDS)
STATS_SIZE: Final = struct.calcsize(STATS_FORMAT)
COUNTER_BITS: Final = 64
#: Bits a byte costs on the UART (8N1: start, 8 data, stop); wire times and rates are counted in these.
UART_FRAME_BITS: Final = 10

NAK_COUNTER: Final = {
    NakCode.BAD_CRC: "rejected_bad_crc",
    NakCode.TOO_LONG: "rejected_too_long",
    NakCode.BAD_LENGTH: "rejected_bad_length",
    NakCode.UNKNOWN_COMMAND: "rejected_unknown_command",
    NakCode.BUSY: "rejected_busy",
    NakCode.TIMEOUT: "rejected_timeout",
}


def header_check(data: bytes) -> int:
    """``crc16`` in C (``binascii.crc_hqx`` with the contract's initial value), for the link."""
    return binascii.crc_hqx(data, CRC_INIT)


assert header_check(b"123456789") == crc16(b"123456789") == CRC_CHECK


def frame_check(data: bytes) -> int:
    """The frame check: CRC-32/ISO-HDLC (poly 0x04C11DB7 reflected, init and xorout 0xFFFFFFFF)."""
    return zlib.crc32(data)


def encode_frame(seq: int, type_: int, payload: bytes = b"") -> bytes:
    """One complete frame, START to FCRC."""
    if not 0 <= seq < SEQ_MODULO:
        raise ValueError(f"sequence number must be in 0..{SEQ_MODULO - 1}, got {seq}")
    if len(payload) > MAX_LEN_FIELD:
        raise ValueError(f"payload of {len(payload)} bytes does not fit the 16-bit LEN field")
    header = struct.pack(HEADER_FORMAT, LINK_START, seq, type_, len(payload))
    header += header_check(header[1:]).to_bytes(2, "big")
    body = header + payload
    return body + frame_check(body[1:]).to_bytes(TRAILER_SIZE, "little")
