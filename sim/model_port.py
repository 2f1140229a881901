"""A pyserial-like port whose far end is the link model (``BoardModel``), with optional faults.

``BoardLink(url, port=ModelPort(...))`` then runs the real host driver against the model at
Python speed: what the reliability tests use for a million descriptors. The board's
inactivity timeout is emulated: when the host finds nothing to read ``quiet_polls`` times in a
row, the model's parser gives up on a half-received frame, as the gateware does after its
timeout.
"""

from __future__ import annotations

from tcphw.host.faults import FaultInjector

from .board_model import BoardModel


class ModelPort:
    def __init__(
        self,
        model: BoardModel,
        *,
        to_board: FaultInjector | None = None,
        to_host: FaultInjector | None = None,
        quiet_polls: int = 3,
    ) -> None:
        self.model = model
        self.to_board = to_board or FaultInjector()
        self.to_host = to_host or FaultInjector()
        self.quiet_polls = quiet_polls
        self._rx = bytearray()
        self._quiet = 0
        self.is_open = True

    def write(self, data: bytes) -> int:
        self._rx += self.to_host.apply(self.model.feed(self.to_board.apply(bytes(data))))
        self._quiet = 0
        return len(data)

    @property
    def in_waiting(self) -> int:
        if not self._rx:
            self._quiet += 1
            if self._quiet == self.quiet_polls:
                self._rx += self.to_host.apply(self.model.timeout())
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        data = bytes(self._rx[:size])
        del self._rx[:size]
        return data

    def close(self) -> None:
        self.is_open = False
