"""A pyserial-like port whose far end is the link model (``BoardModel``), with optional faults.

``BoardLink(url, port=ModelPort(...))`` then runs the real host driver against the model at
Python speed: what the reliability tests use for a million descriptors. The board's
inactivity timeout is emulated as the gateware has it: once the host has written nothing for
the timeout its HELLO states (``timeout_cycles`` at ``clock_hz``), the model's parser drops a
half-received frame. Time comes from ``clock``, the same one the driver is given, so a test
can play a slow, loaded machine.
"""

from __future__ import annotations

import time

from tcphw.host.link.board_link import Clock
from tcphw.host.link.faults import FaultInjector
from tcphw.sim.link.model import BoardModel


class ModelPort:
    def __init__(
        self,
        model: BoardModel,
        *,
        to_board: FaultInjector | None = None,
        to_host: FaultInjector | None = None,
        clock: Clock = time,
    ) -> None:
        self.model = model
        self.to_board = to_board or FaultInjector()
        self.to_host = to_host or FaultInjector()
        self.timeout_s = model.hello.timeout_cycles / model.hello.clock_hz
        self._clock = clock
        self._rx = bytearray()
        self._last_write = clock.monotonic()
        self._timed_out = True
        self.is_open = True

    def write(self, data: bytes) -> int:
        self._rx += self.to_host.apply(self.model.feed(self.to_board.apply(bytes(data))))
        self._last_write = self._clock.monotonic()
        self._timed_out = False
        return len(data)

    @property
    def in_waiting(self) -> int:
        # The gateware's timer runs whether or not anyone looks; the model only notices when asked.
        if not self._timed_out and self._clock.monotonic() - self._last_write >= self.timeout_s:
            self._timed_out = True
            self._rx += self.to_host.apply(self.model.timeout())
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        data = bytes(self._rx[:size])
        del self._rx[:size]
        return data

    def close(self) -> None:
        self.is_open = False


class SteppingClock:
    """Time that moves ``step_s`` on every look and sleeps without waiting: a link test on it
    takes the same path on a fast machine and on a loaded CI runner, and a larger step plays a
    slow host (each look at the port costs it ``step_s``)."""

    def __init__(self, step_s: float) -> None:
        self.step_s = step_s
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += self.step_s
        return self.now

    def sleep(self, seconds: float, /) -> None:
        self.now += seconds
