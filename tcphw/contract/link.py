"""Link protocol v1 in Python: the streaming frame parser and the HELLO/STATS payloads.

The parser follows the gateware's receiver byte for byte (``hdl/link.py``), so the host can
use it to read responses and the board model (``sim/link/model.py``) to read requests:

- hunting: every byte other than START is skipped;
- header: SEQ TYPE LEN HCRC; a wrong HCRC drops the start byte and the six bytes after it are
  hunted through again (one of them may be the real start of a frame);
- LEN above ``max_payload``: the frame is refused at once (``TOO_LONG``) and hunting resumes;
- payload and FCRC: a wrong FCRC gives ``BAD_CRC``;
- ``timeout()``: the line went quiet inside a frame; whatever was started is dropped.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields
from typing import Any

from tcphw import contract as c


@dataclass(frozen=True)
class Frame:
    """A frame whose header and frame CRCs were both right."""

    seq: int
    type: int
    payload: bytes


@dataclass(frozen=True)
class BadFrame:
    """A frame with a good header (so its SEQ and TYPE can be trusted) that was refused."""

    seq: int
    type: int
    reason: c.NakCode


@dataclass(frozen=True)
class HeaderRejected:
    """A start byte whose header CRC was wrong, or a header cut off by the timeout."""

    timed_out: bool = False


Event = Frame | BadFrame | HeaderRejected

_HEADER_AFTER_START = c.HEADER_SIZE - 1  # SEQ TYPE LEN(2) HCRC(2)
_START = bytes([c.LINK_START])


class FrameParser:
    """Turns a byte stream into events; keeps partial frames across ``feed`` calls."""

    def __init__(self, max_payload: int = c.MAX_LEN_FIELD) -> None:
        self.max_payload = max_payload
        self._header = bytearray()
        self._body = bytearray()  # payload + FCRC
        self._need = 0  # body bytes still to come; 0 while hunting or in the header
        self._in_frame = False

    @property
    def in_frame(self) -> bool:
        return self._in_frame

    def feed(self, data: bytes | bytearray | memoryview) -> list[Event]:
        events: list[Event] = []
        pending = bytearray(data)
        pos = 0
        # Whole slices rather than single bytes wherever the state allows: this runs per byte
        # of every frame in the link model and the host driver.
        while pos < len(pending):
            if self._need:
                take = min(self._need, len(pending) - pos)
                self._body += pending[pos : pos + take]
                pos += take
                self._need -= take
                if not self._need:
                    events.append(self._finish())
                continue
            if not self._in_frame:
                start = pending.find(_START, pos)
                if start < 0:
                    break
                self._in_frame = True
                self._header.clear()
                pos = start + 1
                continue
            take = min(_HEADER_AFTER_START - len(self._header), len(pending) - pos)
            self._header += pending[pos : pos + take]
            pos += take
            if len(self._header) < _HEADER_AFTER_START:
                continue
            header = bytes(self._header)
            if c.header_check(header) != 0:  # the CRC of data + its own CRC is 0 for this CRC
                self._reset()
                events.append(HeaderRejected())
                pending[pos:pos] = header  # hunt through the six bytes again
                continue
            seq, type_, length = header[0], header[1], int.from_bytes(header[2:4], "big")
            if length > self.max_payload:
                self._reset()
                events.append(BadFrame(seq, type_, c.NakCode.TOO_LONG))
                continue
            self._body.clear()
            self._need = length + c.TRAILER_SIZE
        return events

    def timeout(self) -> list[Event]:
        """The inactivity timeout fired: drop any frame in progress."""
        if not self._in_frame:
            return []
        header = bytes(self._header)
        self._reset()
        if len(header) < _HEADER_AFTER_START:
            return [HeaderRejected(timed_out=True)]
        return [BadFrame(header[0], header[1], c.NakCode.TIMEOUT)]

    def _finish(self) -> Event:
        header, body = bytes(self._header), bytes(self._body)
        self._reset()
        seq, type_ = header[0], header[1]
        payload, check = body[: -c.TRAILER_SIZE], body[-c.TRAILER_SIZE :]
        if c.frame_check(header + payload) != int.from_bytes(check, "little"):
            return BadFrame(seq, type_, c.NakCode.BAD_CRC)
        return Frame(seq, type_, payload)

    def _reset(self) -> None:
        self._in_frame = False
        self._need = 0
        self._header.clear()
        self._body.clear()


# ---------------------------------------------------------------------------
# Fixed-layout payloads
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hello:
    protocol_version: int
    gateware_id: bytes
    board: str
    lanes: int
    pipeline: int
    capacity: int
    window: int
    clock_hz: int
    baud: int
    timeout_cycles: int

    def encode(self) -> bytes:
        values: list[Any] = [getattr(self, f.name) for f in c.HELLO_FIELDS]
        values[2] = self.board.encode("ascii")
        return struct.pack(c.HELLO_FORMAT, *values)

    @classmethod
    def decode(cls, payload: bytes) -> Hello:
        if len(payload) != c.HELLO_SIZE:
            raise ValueError(f"a HELLO payload is {c.HELLO_SIZE} bytes, got {len(payload)}")
        values: list[Any] = list(struct.unpack(c.HELLO_FORMAT, payload))
        values[2] = values[2].rstrip(b"\0").decode("ascii", errors="replace")
        return cls(*values)

    @property
    def max_payload(self) -> int:
        return self.capacity * c.DESCRIPTOR_SIZE

    def as_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["gateware_id"] = self.gateware_id.hex()
        return d


@dataclass(frozen=True)
class Stats:
    cycles: int
    busy_cycles: int
    descriptors: int
    frames_accepted: int
    rejected_header: int
    rejected_bad_crc: int
    rejected_too_long: int
    rejected_bad_length: int
    rejected_unknown_command: int
    rejected_busy: int
    rejected_timeout: int
    uart_framing_errors: int
    uart_overflows: int

    def encode(self) -> bytes:
        return struct.pack(c.STATS_FORMAT, *(getattr(self, f.name) for f in c.STATS_FIELDS))

    @classmethod
    def decode(cls, payload: bytes) -> Stats:
        if len(payload) != c.STATS_SIZE:
            raise ValueError(f"a STATS payload is {c.STATS_SIZE} bytes, got {len(payload)}")
        return cls(*struct.unpack(c.STATS_FORMAT, payload))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


assert [f.name for f in fields(Hello)] == [f.name for f in c.HELLO_FIELDS]
assert [f.name for f in fields(Stats)] == [f.name for f in c.STATS_FIELDS]


def nak_payload(code: c.NakCode, type_: int) -> bytes:
    return bytes([code, type_])
