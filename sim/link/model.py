"""A reference model of the board's link layer: request bytes in, response bytes out.

It answers exactly as the gateware does (``hdl/top.py``) for a host that keeps to the HELLO
window, so a test can send the same bytes to both and compare the answers byte for byte. It
has no clock: the cycle counters in its STATS stay 0, it cannot run out of verdict slots
(BUSY), and the inactivity timeout fires only when the caller says so (``timeout()``).
It is also fast enough to push a million descriptors through the host driver in a test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from tcphw import contract as c
from tcphw.contract.link import BadFrame, Frame, FrameParser, HeaderRejected, Hello, Stats, nak_payload

VerdictFn = Callable[[bytes], bytes]


def software_verdicts(payload: bytes) -> bytes:
    """Verdicts from the numba kernel the ``software`` backend runs (one thread: batches are small)."""
    # load-time: numba, only when a verdict is asked for (the link tests' model port imports this module)
    from tcphw.descriptors.kernel import verdict_bytes

    return verdict_bytes(payload)


_COMMANDS = frozenset(int(command) for command in c.Command)


class BoardModel:
    def __init__(self, hello: Hello, verdicts: VerdictFn = software_verdicts) -> None:
        self.hello = hello
        self._verdicts = verdicts
        self.parser = FrameParser(max_payload=hello.max_payload)
        self.counts: Counter[str] = Counter()

    def feed(self, data: bytes) -> bytes:
        """Bytes from the host; returns the board's answers to the frames they complete."""
        return b"".join(self._answer(event) for event in self.parser.feed(data))

    def timeout(self) -> bytes:
        return b"".join(self._answer(event) for event in self.parser.timeout())

    def stats(self) -> Stats:
        names = [f.name for f in c.STATS_FIELDS]
        return Stats(*(self.counts[n] for n in names))

    def _nak(self, seq: int, type_: int, code: c.NakCode) -> bytes:
        self.counts[c.NAK_COUNTER[code]] += 1
        return c.encode_frame(seq, c.Response.NAK, nak_payload(code, type_))

    def _answer(self, event: Frame | BadFrame | HeaderRejected) -> bytes:
        if isinstance(event, HeaderRejected):
            self.counts["rejected_timeout" if event.timed_out else "rejected_header"] += 1
            return b""
        if isinstance(event, BadFrame):
            return self._nak(event.seq, event.type, event.reason)
        seq, type_, payload = event.seq, event.type, event.payload
        if type_ not in _COMMANDS:
            return self._nak(seq, type_, c.NakCode.UNKNOWN_COMMAND)
        whole = bool(payload) and len(payload) % c.DESCRIPTOR_SIZE == 0
        if not (whole if type_ in c.DESCRIPTOR_COMMANDS else not payload):
            return self._nak(seq, type_, c.NakCode.BAD_LENGTH)
        # A frame counts as accepted before it is answered, as in the gateware (so STATS counts itself).
        self.counts["frames_accepted"] += 1
        if type_ == c.Command.VALIDATE:
            body = self._verdicts(payload)
            self.counts["descriptors"] += len(body)
        else:
            body = self.hello.encode() if type_ == c.Command.HELLO else self.stats().encode()
        return c.encode_frame(seq, c.RESPONSE_FLAG | type_, body)
