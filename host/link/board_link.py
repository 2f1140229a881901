"""The host side of the serial link: one driver for real boards, virtual boards and test links.

``BoardLink`` opens any pyserial URL (``/dev/ttyUSB1``, ``socket://127.0.0.1:PORT``,
``rfc2217://host:port?ign_set_control``, ``loop://``), drains stale bytes, checks HELLO, then
streams batches with up to ``window`` frames in flight. Every verdict is matched to its batch
by sequence number; a NAK, a damaged answer or a missing answer resends the batch under a new
sequence number; a batch is accepted once, from the first good answer of the right length,
and results are put back in batch order. So no verdict is lost, duplicated or reordered, and
when the board stops answering the error says how many verdicts were confirmed.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from tcphw import contract as c
from tcphw.contract.link import BadFrame, Frame, FrameParser, HeaderRejected, Hello, Stats
from tcphw.host.link.batch_size import FaultRate, best_batch
from tcphw.host.link.usb_latency import set_low_latency

DRAIN_QUIET_S = 0.05  # stale bytes are over once the line has been quiet this long
DRAIN_MAX_S = 2.0
HELLO_TRIES = 4
NOISY_TRIES = 32  # for a device whose answers arrive, damaged: ~1 in 10^5 for STATS at 1% byte faults
# The longest answer before HELLO says the capacity: a false header (garbage whose header CRC
# happens to pass) can then swallow only this many bytes of real answers.
FIXED_ANSWER_MAX = max(c.HELLO_SIZE, c.STATS_SIZE, c.NAK_SIZE)


class Clock(Protocol):
    """What the driver needs of time; the ``time`` module is one. Tests pass a slow one."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float, /) -> None: ...


class LinkError(RuntimeError):
    """The link failed; the message says what happened and what to do."""


class NotABoard(LinkError):
    pass


class StaleGateware(LinkError):
    pass


class PortFailed(LinkError):
    """The port itself failed (unplugged, connection closed)."""


class BoardStopped(LinkError):
    """The board stopped answering mid-run; ``verdicts`` holds the confirmed prefix."""

    def __init__(self, message: str, verdicts: np.ndarray) -> None:
        super().__init__(message)
        self.verdicts = verdicts


@dataclass
class LinkCounters:
    frames_sent: int = 0
    resends: int = 0
    naks: Counter[str] = field(default_factory=Counter)
    timeouts: int = 0
    damaged_answers: int = 0
    lost_frames: int = 0  # sends found unanswered when a later send's answer came
    stray_answers: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "naks": dict(self.naks)}


def _serial_error() -> type[Exception]:
    import serial

    return serial.SerialException  # type: ignore[no-any-return]


def open_port(url: str, baud: int) -> Any:
    import serial

    # pyserial's rfc2217 client has no write timeout; every other kind gets one.
    extra = {} if url.startswith("rfc2217://") else {"write_timeout": 10}
    try:
        port = serial.serial_for_url(url, baudrate=baud, timeout=0, **extra)
    except (serial.SerialException, ValueError, OSError) as e:
        # pyserial repeats the URL and the errno; the OS's words are the part worth reading
        errno = getattr(e, "errno", None)
        reason = os.strerror(errno) if isinstance(errno, int) else str(e)
        raise LinkError(f"cannot open {url}: {reason}. Check the port (tcphw doctor lists serial ports)") from e
    if "://" not in url:  # a local device: a USB bridge must not sit on replies for its latency timer
        set_low_latency(port, url)
    return port


@dataclass
class _Send:
    """A chunk of descriptors sent in one VALIDATE frame."""

    start: int
    count: int
    seq: int
    order: int  # sends are numbered; the board answers in the order frames arrive
    sent_at: float
    tries: int  # sends of this chunk (or of the chunk it was split from) so far


def validate_bytes(count: int) -> tuple[int, int]:
    """Bytes on the wire for a VALIDATE of ``count`` descriptors: the request (the descriptors) and its answer (a
    verdict byte each), framing included."""
    return count * c.DESCRIPTOR_SIZE + c.FRAME_OVERHEAD, count * c.VERDICT_SIZE + c.FRAME_OVERHEAD


#: How long a virtual board may take to answer: its simulated clock runs far slower than the clock its HELLO
#: states, so its answers come later than any baud predicts.
VIRTUAL_ANSWER_TIMEOUT_S = 10.0


def virtual_board_link(url: str, real_baud: int, answer_timeout_s: float | None = None) -> BoardLink:
    """The link to a virtual board (``tcphw.sim.virtual_board``), the same for every caller: at its real board's
    baud (slower than the virtual UART's, so the first answer timeouts and quiet waits start long; the wire's own
    speed is learnt from the first clean round trip), with answers awaited ``VIRTUAL_ANSWER_TIMEOUT_S`` unless
    ``answer_timeout_s`` says otherwise."""
    return BoardLink(url, baud=real_baud, answer_timeout_s=answer_timeout_s or VIRTUAL_ANSWER_TIMEOUT_S)


class BoardLink:
    def __init__(
        self,
        url: str,
        *,
        baud: int = 3_000_000,
        answer_timeout_s: float | None = None,
        # The floor under the learnt answer timeout (3x the learnt latency plus wire time, doubled per
        # timeout in a row). At 0.25 s, answer timeouts took 2/3 of a faulty link's time: 0.9% faults per
        # byte through link-proxy to a virtual board ran at 86/s; at 0.02 s, 259/s (docs/protocol.md).
        min_answer_timeout_s: float = 0.02,
        dead_after_s: float = 5.0,
        max_failures: int = 64,
        poll_s: float = 0.002,
        port: Any = None,
        clock: Clock = time,
    ) -> None:
        self.url = url
        self._clock = clock
        self.counters = LinkCounters()
        self.last_batch = 0  # descriptors in the last VALIDATE frame sent (progress shows it)
        # At 1% byte faults ~38% of small sends fail; 64 failures in a row is about 1 in 10^27.
        self.max_failures = max_failures
        self.dead_after_s = dead_after_s
        self.poll_s = poll_s  # how long one look at the port waits for bytes
        self._last_byte_at = self._last_write_at = clock.monotonic()
        self._port = port if port is not None else open_port(url, baud)
        self._parser = FrameParser(FIXED_ANSWER_MAX)
        self._events: list[Frame | BadFrame | HeaderRejected] = []
        self._seq = 0
        self._answer_timeout = answer_timeout_s
        self._min_answer_timeout = min_answer_timeout_s
        # A round trip costs a fixed latency plus its bytes at the wire's speed; both are learnt
        # from clean round trips (a virtual board's wire is slower than its baud, ser2net adds
        # latency). The wire time per byte is the fastest seen: latency only ever adds to it. Until the first
        # clean round trip it is the baud's: a virtual board's link is opened at its real board's (slower) baud.
        self._wire_spb = c.UART_FRAME_BITS / baud
        self._wire_learnt = False
        self._latency = 0.0  # jumps up at once, decays slowly
        self._backoff = 1  # doubles with every timeout in a row, so a link that slowed down is followed
        self.hello: Hello | None = None
        # (descriptors, seconds) of every clean round trip: a frame answered at its first try with
        # no earlier frame outstanding, from its send to its answer. Bench reports their spread.
        self.round_trips: list[tuple[int, float]] = []

    # -- bytes ----------------------------------------------------------------------------

    def close(self) -> None:
        self._port.close()

    def __enter__(self) -> BoardLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except (OSError, ValueError, _serial_error()) as e:
            raise PortFailed(f"writing to {self.url} failed: {e}") from e
        self._last_write_at = self._clock.monotonic()
        self.counters.bytes_sent += len(data)

    def _read_available(self) -> bytes:
        """Whatever the port holds now, without waiting; a failing port raises ``PortFailed``."""
        try:
            waiting = self._port.in_waiting
            return bytes(self._port.read(waiting)) if waiting else b""
        except (OSError, ValueError, _serial_error()) as e:
            raise PortFailed(f"reading from {self.url} failed: {e}") from e

    def _pump(self, wait_s: float) -> None:
        """Read what has arrived (waiting up to ``wait_s`` for the first byte) into events."""
        deadline = self._clock.monotonic() + wait_s
        while True:
            data = self._read_available()
            if data:
                self.counters.bytes_received += len(data)
                self._last_byte_at = self._clock.monotonic()
                self._events += self._parser.feed(data)
                return
            if self._clock.monotonic() >= deadline:
                return
            self._clock.sleep(min(0.0005, wait_s))

    def drain(self) -> int:
        """Throw away stale bytes (a previous session's answers); returns how many."""
        dropped = 0
        started = quiet_since = self._clock.monotonic()
        # A device that never stops talking is not a tcphw board: give up draining, HELLO will say so.
        while self._clock.monotonic() - quiet_since < DRAIN_QUIET_S and self._clock.monotonic() - started < DRAIN_MAX_S:
            data = self._read_available()
            if data:
                dropped += len(data)
                quiet_since = self._clock.monotonic()
            else:
                self._clock.sleep(0.002)
        self._parser = FrameParser(self._parser.max_payload)
        self._events.clear()
        return dropped

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) % c.SEQ_MODULO
        return self._seq

    # -- simple requests ------------------------------------------------------------------

    def _request(self, command: c.Command, timeout_s: float) -> Frame:
        """Send a payload-less command until its answer comes back (HELLO, STATS).

        A device that sends back nothing like a tcphw frame is given ``HELLO_TRIES`` tries; one
        whose answers arrive damaged is a board on a noisy line and is given more."""
        tries = 0
        # A board that already answered HELLO is on a slow or noisy line when answers go missing, not absent:
        # four lost STATS answers after thousands of good frames are no reason to call it "not a board".
        heard_frames = self.hello is not None
        while tries < (NOISY_TRIES if heard_frames else HELLO_TRIES):
            tries += 1
            seq = self._next_seq()
            self._write(c.encode_frame(seq, command))
            self.counters.frames_sent += 1
            sent_at = self._clock.monotonic()
            deadline = sent_at + timeout_s
            while self._clock.monotonic() < deadline:
                self._pump(min(0.01, timeout_s))
                events, self._events = self._events, []
                for event in events:
                    # Damaged answers (not an echo of our own request) show a board on a noisy line.
                    heard_frames |= not isinstance(event, HeaderRejected) and bool(event.type & c.RESPONSE_FLAG)
                    if isinstance(event, Frame) and event.seq == seq and event.type == command | c.RESPONSE_FLAG:
                        self._learn(self._clock.monotonic() - sent_at, 2 * c.FRAME_OVERHEAD + len(event.payload))
                        return event
            self.counters.timeouts += 1
            self._parser.timeout()  # a false start byte may hold the parser; the answer is late anyway
        if self.hello is not None:
            raise LinkError(
                f"the {self.hello.board} at {self.url} answered HELLO but nothing to {command.name} in {tries} tries: "
                "it stopped answering, or the line loses everything"
            )
        raise NotABoard(
            f"no tcphw answer to {command.name} from {self.url} after {tries} tries: "
            "is it a tcphw board with its bitstream loaded (tcphw flash BOARD)?"
        )

    def connect(
        self, expected_gateware: bytes | tuple[bytes, ...] | None = None, hello_timeout_s: float = 1.0
    ) -> Hello:
        """HELLO, then refuse an old protocol or a gateware ID not among ``expected_gateware``."""
        self.drain()
        answer = self._request(c.Command.HELLO, hello_timeout_s)
        try:
            hello = Hello.decode(answer.payload)
        except ValueError as e:
            raise NotABoard(f"{self.url} answered HELLO with a malformed payload: {e}") from e
        if hello.protocol_version != c.PROTOCOL_VERSION:
            raise StaleGateware(
                f"the board at {self.url} speaks link protocol v{hello.protocol_version}, this tcphw speaks "
                f"v{c.PROTOCOL_VERSION}: reflash it with tcphw flash {hello.board}"
            )
        expected = (expected_gateware,) if isinstance(expected_gateware, bytes) else expected_gateware
        if expected is not None and hello.gateware_id not in expected:
            wanted = " or ".join(e.hex() for e in expected)
            raise StaleGateware(
                f"the {hello.board} at {self.url} runs gateware {hello.gateware_id.hex()}, this tcphw builds "
                f"{wanted}: its bitstream is stale; run tcphw flash {hello.board}"
            )
        self.hello = hello
        self._parser.max_payload = max(FIXED_ANSWER_MAX, hello.capacity)
        return hello

    def stats(self, timeout_s: float | None = None) -> Stats:
        if timeout_s is None:  # as long as a batch's answer may take, and long enough to let the board time out
            answer = self.answer_timeout(c.FRAME_OVERHEAD, c.FRAME_OVERHEAD + c.STATS_SIZE)
            timeout_s = max(answer, self.quiet_needed())
        return Stats.decode(self._request(c.Command.STATS, timeout_s).payload)

    # -- validation -----------------------------------------------------------------------

    def answer_timeout(self, request_bytes: int, answer_bytes: int) -> float:
        if self._answer_timeout is not None:
            return self._answer_timeout
        expected = self._latency + (request_bytes + answer_bytes) * self._wire_spb
        return max(self._min_answer_timeout, 3 * expected) * self._backoff

    def quiet_needed(self) -> float:
        """How long the line must stay quiet after an answer went missing, in case the board sits
        in a false frame (garbage whose header CRC happened to pass): twice the board's
        inactivity timeout at its clock, longer where this link has been seen to run slower than
        the board's baud (a virtual board's clock runs slower than the one its HELLO states)."""
        assert self.hello is not None
        slowdown = max(1.0, self._wire_spb * self.hello.baud / c.UART_FRAME_BITS)
        return 2 * self.hello.timeout_cycles / self.hello.clock_hz * slowdown

    def _learn(self, seconds: float, nbytes: int) -> None:
        sample = seconds / nbytes
        self._wire_spb = min(self._wire_spb, sample) if self._wire_learnt else sample
        self._wire_learnt = True
        extra = seconds - nbytes * self._wire_spb
        self._latency = max(extra, 0.9 * self._latency + 0.1 * extra)

    def validate(
        self,
        descriptors: np.ndarray,
        *,
        batch: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Verdicts for ``descriptors`` (N x 24 uint8), in order; raises ``BoardStopped`` on failure.

        Batches are as large as the board's capacity (or ``batch``) while the link is clean. A
        failed send (NAK, damaged or missing answer) is resent; the rate of failures per byte
        sets the batch size that gets most verdicts through (``batch_size.py``), so a noisy link
        still makes progress with small batches. The board answers frames in the
        order they arrive, so an answer to a later send proves every earlier unanswered send lost:
        those are resent at once instead of after a timeout.
        """
        if self.hello is None:
            raise LinkError("connect() first")
        rows = np.ascontiguousarray(descriptors, dtype=np.uint8).reshape(-1, c.DESCRIPTOR_SIZE)
        total = len(rows)
        capacity = min(batch or self.hello.capacity, self.hello.capacity)
        faults = FaultRate()
        verdicts = np.zeros(total, dtype=np.uint8)
        done = np.zeros(total, dtype=bool)
        retry: list[tuple[int, int, int]] = []  # (start, count, tries) to resend, first at the end
        next_start = 0
        in_flight: dict[int, _Send] = {}  # seq -> send
        orders = 0
        confirmed = 0
        failures_in_a_row = 0  # the link gives up only when nothing at all gets through
        quiet = False  # an answer went missing: send nothing until the board's timeout has surely fired
        self._last_byte_at = self._clock.monotonic()

        def stopped(reason: str) -> BoardStopped:
            prefix = int(np.argmin(done)) if not done.all() else total
            return BoardStopped(
                f"{reason}; {confirmed:,} of {total:,} verdicts were confirmed ({prefix:,} in order from the start)",
                verdicts[:prefix].copy(),
            )

        def send(start: int, count: int, tries: int) -> None:
            nonlocal orders
            if failures_in_a_row >= self.max_failures:
                raise stopped(f"the board at {self.url} stopped answering: {failures_in_a_row} sends in a row failed")
            seq = self._next_seq()
            in_flight.pop(seq, None)  # 256 sends later a sequence number is free again
            payload = rows[start : start + count].tobytes()
            self._write(c.encode_frame(seq, c.Command.VALIDATE, payload))
            self.counters.frames_sent += 1
            self.counters.resends += tries > 0
            self.last_batch = count
            orders += 1
            in_flight[seq] = _Send(start, count, seq, orders, self._clock.monotonic(), tries + 1)

        def failed(s: _Send) -> None:
            nonlocal failures_in_a_row
            failures_in_a_row += 1
            faults.record(s.count, ok=False)
            # Resent in batches of the size that now gets most through, the first at the end (popped first).
            size = best_batch(faults.rate, capacity)
            starts = range(s.start, s.start + s.count, size)
            retry.extend((at, min(size, s.start + s.count - at), s.tries) for at in reversed(starts))

        try:
            while next_start < total or retry or in_flight:
                if quiet and self._clock.monotonic() - self._last_write_at >= self.quiet_needed():
                    quiet = False
                while not quiet and len(in_flight) < self.hello.window and (retry or next_start < total):
                    if retry:
                        send(*retry.pop())
                    else:
                        count = min(best_batch(faults.rate, capacity), total - next_start)
                        send(next_start, count, 0)
                        next_start += count
                self._pump(self.poll_s)
                if in_flight and self._clock.monotonic() - self._last_byte_at > self.dead_after_s:
                    raise stopped(f"no byte from the board at {self.url} for {self.dead_after_s:g} s")
                events, self._events = self._events, []
                for event in events:
                    if isinstance(event, HeaderRejected):
                        continue
                    s = in_flight.get(event.seq)
                    answer: bytes | None = None  # the verdicts, if this is a good answer to s
                    if isinstance(event, BadFrame):
                        # A damaged answer whose header passed its CRC still names the send it answers.
                        self.counters.damaged_answers += 1
                    elif s is None:
                        self.counters.stray_answers += 1
                    elif event.type == c.Response.NAK and len(event.payload) == c.NAK_SIZE:
                        try:
                            code: c.NakCode | None = c.NakCode(event.payload[0])
                        except ValueError:
                            code = None
                        # Every NAK means "resend". TOO_LONG, BAD_LENGTH or UNKNOWN_COMMAND can only come from
                        # a header damaged in a way its CRC-16 missed (1 in 65,536 damaged headers); a batch
                        # that really is refused fails every try and ends in BoardStopped.
                        self.counters.naks[code.name if code else f"0x{event.payload[0]:02x}"] += 1
                    elif event.type != c.Response.VERDICTS or len(event.payload) != s.count:
                        self.counters.stray_answers += 1
                        continue
                    else:
                        answer = event.payload
                    if s is None:
                        continue
                    # Answers come in send order: every earlier send still waiting was lost.
                    earlier = sorted((x for x in in_flight.values() if x.order < s.order), key=lambda x: x.order)
                    for lost in earlier:
                        del in_flight[lost.seq]
                        self.counters.lost_frames += 1
                        failed(lost)
                    del in_flight[s.seq]
                    if answer is None:
                        failed(s)
                        continue
                    if s.tries == 1 and not earlier:  # first in line: its round trip is a clean sample
                        seconds = self._clock.monotonic() - s.sent_at
                        self.round_trips.append((s.count, seconds))
                        self._learn(seconds, sum(validate_bytes(s.count)))
                    verdicts[s.start : s.start + s.count] = np.frombuffer(answer, dtype=np.uint8)
                    done[s.start : s.start + s.count] = True
                    confirmed += s.count
                    failures_in_a_row = 0
                    self._backoff = 1
                    faults.record(s.count, ok=True)
                    if progress:
                        progress(s.count)
                now = self._clock.monotonic()
                for s in list(in_flight.values()):
                    if now - s.sent_at > self.answer_timeout(*validate_bytes(s.count)):
                        self.counters.timeouts += 1
                        del in_flight[s.seq]
                        failed(s)
                        quiet = True
                        self._backoff = min(64, 2 * self._backoff)
                        self._parser.timeout()  # a false start byte may hold our parser too
        except PortFailed as e:  # unplugged, or the connection closed
            raise stopped(str(e)) from e
        return verdicts
